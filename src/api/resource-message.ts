// A message about one resource of a form, prefixed with its id exactly once (never `resource "cfg": resource "cfg" field …`).

/** `resource "<id>": <message>`, unless the message already starts by naming that resource. */
export const resourceMessage = (id: string, message: string): string => {
  const prefix = `resource "${id}"`;
  return message.startsWith(prefix) ? message : `${prefix}: ${message}`;
};
