// The resources every scale benchmark renders per row: a ConfigMap, a Service and a Deployment that depends on the ConfigMap and does not wait for readiness.

/** The form's resource lists (`spec` of a LynqForm without `hubId`, or a revision's `data`). */
export const threeResources = {
  configMaps: [
    {
      id: 'settings',
      nameTemplate: '{{ uid }}-settings',
      spec: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        data: { plan: '{{ plan }}', host: '{{ uid }}.example.com' },
      },
    },
  ],
  services: [
    {
      id: 'svc',
      nameTemplate: '{{ uid }}',
      spec: {
        apiVersion: 'v1',
        kind: 'Service',
        spec: { selector: { app: '{{ uid }}' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    },
  ],
  deployments: [
    {
      id: 'app',
      nameTemplate: '{{ uid }}',
      dependIds: ['settings'],
      waitForReady: false,
      spec: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: '{{ uid }}' } },
          template: {
            metadata: { labels: { app: '{{ uid }}', plan: '{{ plan }}' } },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: 'nginx:1.27',
                  envFrom: [{ configMapRef: { name: '{{ uid }}-settings' } }],
                },
              ],
            },
          },
        },
      },
    },
  ],
};
