{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "kubetune.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full object name prefix: <release>-kubetune, or the release name if it already says kubetune. */}}
{{- define "kubetune.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "kubetune.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "kubetune.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kubetune
{{- end }}

{{/* Selector labels of the controller Pods. */}}
{{- define "kubetune.controllerSelector" -}}
app.kubernetes.io/name: {{ include "kubetune.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{/* Selector labels of the bundled NATS Pod. */}}
{{- define "kubetune.natsSelector" -}}
app.kubernetes.io/name: {{ include "kubetune.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: nats
{{- end }}

{{- define "kubetune.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kubetune.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kubetune.controllerImage" -}}
{{- printf "%s:%s" .Values.controller.image.repository (default .Chart.AppVersion .Values.controller.image.tag) }}
{{- end }}

{{/* Name of the bundled NATS server and its Service. */}}
{{- define "kubetune.natsName" -}}
{{- printf "%s-nats" (include "kubetune.fullname" .) }}
{{- end }}

{{/* In-cluster URL of the bundled NATS. */}}
{{- define "kubetune.bundledNatsUrl" -}}
{{- printf "nats://%s.%s.svc:4222" (include "kubetune.natsName" .) .Release.Namespace }}
{{- end }}

{{/* Secret holding the bundled NATS users' passwords. */}}
{{- define "kubetune.natsAuthSecret" -}}
{{- default (printf "%s-nats-auth" (include "kubetune.fullname" .)) .Values.nats.bundled.auth.existingSecret }}
{{- end }}

{{/* Secret holding the controller's report signing key (key `signing-key`). */}}
{{- define "kubetune.signingKeySecret" -}}
{{- default (printf "%s-signing-key" (include "kubetune.fullname" .)) .Values.controller.reportSigning.existingSecret }}
{{- end }}

{{/* Secret holding the external NATS credentials. */}}
{{- define "kubetune.natsClientSecret" -}}
{{- default (printf "%s-nats-client" (include "kubetune.fullname" .)) .Values.nats.external.existingSecret }}
{{- end }}

{{/* Whether the ServiceMonitor is wanted and its CRD is served by the cluster. */}}
{{- define "kubetune.serviceMonitor" -}}
{{- if and .Values.metrics.serviceMonitor.enabled (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor") }}true{{ end }}
{{- end }}
