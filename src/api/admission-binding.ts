// The binding every Lynq admission policy needs: the policy, cluster-wide, denying what it refuses.

/** A ValidatingAdmissionPolicyBinding named like its policy, with the `Deny` action. */
export const denyingBinding = <Name extends string>(policyName: Name) =>
  ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: policyName },
    spec: { policyName, validationActions: ['Deny'] },
  }) as const;
