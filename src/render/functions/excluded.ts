// Sprig v3 functions Lynq leaves out, each with the one-line reason (SPEC T5: templates are hermetic).

/** Name → why it is not in the library. */
export const excludedSprigFunctions: Readonly<Record<string, string>> = {
  // Clock and time zone
  ago: 'reads the clock (time since a date).',
  date: 'formats in the process time zone, and its inputs come from the clock.',
  date_in_zone: 'reads the time-zone database of the host, and its inputs come from the clock.',
  date_modify: 'works on time values, which only the clock (now) or toDate produce.',
  dateInZone: 'reads the time-zone database of the host, and its inputs come from the clock.',
  dateModify: 'works on time values, which only the clock (now) or toDate produce.',
  htmlDate: 'formats in the process time zone, and its inputs come from the clock.',
  htmlDateInZone: 'reads the time-zone database of the host, and its inputs come from the clock.',
  must_date_modify: 'works on time values, which only the clock (now) or toDate produce.',
  mustDateModify: 'works on time values, which only the clock (now) or toDate produce.',
  mustToDate:
    'parses in the process time zone (environment); its result only feeds clock functions.',
  now: 'reads the clock.',
  toDate: 'parses in the process time zone (environment); its result only feeds clock functions.',
  unixEpoch: 'works on time values, which only the clock (now) or toDate produce.',
  // Randomness
  randAlphaNum: 'random output.',
  randAlpha: 'random output.',
  randAscii: 'random output.',
  randNumeric: 'random output.',
  randSeededNumeric: "reproducible only with Go's math/rand sequence; randomness is out (T5).",
  randInt: 'random output.',
  randBytes: 'random output.',
  shuffle: 'random output.',
  uuidv4: 'random output.',
  // Environment and network
  env: 'reads the process environment.',
  expandenv: 'reads the process environment.',
  getHostByName: 'network access (DNS).',
  // Key and certificate generation, salted hashes
  bcrypt: 'random salt.',
  htpasswd: 'bcrypt with a random salt.',
  genPrivateKey: 'random key generation.',
  derivePassword:
    'scrypt with 32 MiB and ~100 ms per call: a cheap way to exhaust a worker; secrets do not belong in templates.',
  buildCustomCert: 'only feeds genSignedCert/genSignedCertWithKey, which are excluded.',
  genCA: 'random key and serial, validity from the clock.',
  genCAWithKey: 'random serial, validity from the clock.',
  genSelfSignedCert: 'random key and serial, validity from the clock.',
  genSelfSignedCertWithKey: 'random serial, validity from the clock.',
  genSignedCert: 'random key and serial, validity from the clock.',
  genSignedCertWithKey: 'random serial, validity from the clock.',
  encryptAES: 'random IV.',
};
