{{/* Names, labels and the operator's allowed kinds, shared by every template of the chart. */}}

{{- define "lynq.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's objects are named after the release, with "lynq" added unless it is there. */}}
{{- define "lynq.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "lynq.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "lynq.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "lynq.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lynq.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "lynq.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "lynq.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "lynq.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lynq.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The rule groups generated from src/api/operator-rbac.ts by npm run generate. */}}
{{- define "lynq.rbacSource" -}}
{{- .Files.Get "files/operator-rbac.yaml" }}
{{- end }}

{{/*
The operator's --allowed-kinds as a JSON list. Default: the kinds of SPEC §1, less /Namespace
and /Secret unless rbac enables them. An explicit list naming them without rbac fails, since
the operator would then be allowed kinds it is not granted.
*/}}
{{- define "lynq.allowedKinds" -}}
{{- $source := include "lynq.rbacSource" . | fromYaml }}
{{- $gated := dict "/Namespace" .Values.rbac.namespaceResources "/Secret" .Values.rbac.secretResources }}
{{- $kinds := list }}
{{- if .Values.allowedKinds }}
{{- range .Values.allowedKinds }}
{{- if and (hasKey $gated .) (not (get $gated .)) }}
{{- fail (printf "allowedKinds lists %s, but rbac.%s is false: set it to true to grant that kind" . (ternary "namespaceResources" "secretResources" (eq . "/Namespace"))) }}
{{- end }}
{{- $kinds = append $kinds . }}
{{- end }}
{{- else }}
{{- range $source.defaultKinds }}
{{- if or (not (hasKey $gated .)) (get $gated .) }}
{{- $kinds = append $kinds . }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson $kinds }}
{{- end }}

{{/*
One rule per allowed kind the chart knows (SPEC §1), for the given scope: "all", "namespaced"
or "cluster" (cluster-scoped kinds). Kinds beyond SPEC §1 are granted by rbac.extraRules.
Called with (list $ scope).
*/}}
{{- define "lynq.kindRules" -}}
{{- $root := index . 0 }}
{{- $scope := index . 1 }}
{{- $source := include "lynq.rbacSource" $root | fromYaml }}
{{- range include "lynq.allowedKinds" $root | fromJsonArray }}
{{- $kind := get $source.kinds . }}
{{- if $kind }}
{{- if or (eq $scope "all") (and (eq $scope "namespaced") $kind.namespaced) (and (eq $scope "cluster") (not $kind.namespaced)) }}
- apiGroups: [{{ $kind.apiGroup | quote }}]
  resources: [{{ $kind.resource | quote }}]
  verbs: {{ toJson $source.childVerbs }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Namespaces other than the watched ones that nodes may write to (namespaced mode). */}}
{{- define "lynq.targetNamespaces" -}}
{{- $targets := list }}
{{- range .Values.allowedNamespaces }}
{{- if eq . "*" }}
{{- fail "allowedNamespaces: '*' needs cluster mode (empty watchNamespaces): Roles cannot grant every namespace" }}
{{- end }}
{{- if not (has . $.Values.watchNamespaces) }}
{{- $targets = append $targets . }}
{{- end }}
{{- end }}
{{- toJson $targets }}
{{- end }}

{{/*
With rbac.namespaceResources: what the operator lists (metadata only) to see that a Namespace a
node created holds nothing else (SPEC N6): the generated namespace-contents rules, and `list` on
the namespaced kinds of SPEC §1 nodes may not apply (never Secrets: without
rbac.secretResources a created Namespace is released, not deleted, as its Secrets stay unseen).
*/}}
{{- define "lynq.namespaceContentsRules" -}}
{{- $source := include "lynq.rbacSource" . | fromYaml }}
{{- $allowed := include "lynq.allowedKinds" . | fromJsonArray }}
{{- if .Values.rbac.namespaceResources }}
{{- toYaml $source.namespaceContents }}
{{- if .Values.watchNamespaces }}
{{- /* Namespaced mode lists these only in the watched namespaces. */}}
- apiGroups: ["operator.lynq.sh"]
  resources: ["lynqhubs", "lynqforms", "lynqnodes"]
  verbs: ["list"]
- apiGroups: ["apps"]
  resources: ["controllerrevisions"]
  verbs: ["list"]
{{- end }}
{{- range $source.defaultKinds }}
{{- $kind := get $source.kinds . }}
{{- if and $kind.namespaced (not (has . $allowed)) (ne . "/Secret") }}
- apiGroups: [{{ $kind.apiGroup | quote }}]
  resources: [{{ $kind.resource | quote }}]
  verbs: ["list"]
{{- end }}
{{- end }}
{{- end }}
{{- end }}
