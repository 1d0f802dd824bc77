{{/* Names ----------------------------------------------------------------------------------- */}}

{{- define "lamplight.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lamplight.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "lamplight.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{- define "lamplight.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lamplight.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lamplight.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "lamplight.labels" -}}
helm.sh/chart: {{ include "lamplight.chart" . }}
{{ include "lamplight.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "lamplight.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lamplight.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "lamplight.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.registry }}
{{- printf "%s/%s:%s" .Values.image.registry .Values.image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* The Secret holding the OIDC client secret and cookie secret. */}}
{{- define "lamplight.oidcSecretName" -}}
{{- default (printf "%s-oidc" (include "lamplight.fullname" .)) .Values.config.oidc.existingSecret }}
{{- end }}

{{/* Health routes live under the base URL, like every other route. */}}
{{- define "lamplight.basePath" -}}
{{- trimSuffix "/" .Values.config.baseURL }}
{{- end }}

{{/* Settings -------------------------------------------------------------------------------- */}}

{{/*
"true" when proxy-auth is on, however it was asked for: proxyAuth.enabled, a Headlamp-style
`-proxy-auth=true` / bare `-proxy-auth` in config.extraArgs, or HEADLAMP_CONFIG_PROXY_AUTH in env.
Go's strconv.ParseBool spellings of true, as the server accepts them.
*/}}
{{- define "lamplight.proxyAuthOn" -}}
{{- $on := .Values.proxyAuth.enabled }}
{{- range .Values.config.extraArgs }}
{{- if regexMatch "^--?proxy-auth(=(1|t|T|true|TRUE|True))?$" (toString .) }}
{{- $on = true }}
{{- end }}
{{- end }}
{{- range .Values.env }}
{{- if and (eq (toString .name) "HEADLAMP_CONFIG_PROXY_AUTH") (has (toString .value) (list "1" "t" "T" "true" "TRUE" "True")) }}
{{- $on = true }}
{{- end }}
{{- end }}
{{- if $on }}true{{ end }}
{{- end }}

{{/* "true" when the trusted proxies are given somewhere: values, extraArgs or env. */}}
{{- define "lamplight.trustedProxiesGiven" -}}
{{- $given := or (gt (len .Values.proxyAuth.trustedProxies) 0) .Values.proxyAuth.insecureTrustAnyPeer }}
{{- range .Values.config.extraArgs }}
{{- if regexMatch "^--?proxy-auth-(trusted-proxies=.+|insecure-trust-any-peer(=(1|t|T|true|TRUE|True))?)$" (toString .) }}
{{- $given = true }}
{{- end }}
{{- end }}
{{- range .Values.env }}
{{- if and (has (toString .name) (list "HEADLAMP_CONFIG_PROXY_AUTH_TRUSTED_PROXIES" "HEADLAMP_CONFIG_PROXY_AUTH_INSECURE_TRUST_ANY_PEER")) (or .value .valueFrom) }}
{{- $given = true }}
{{- end }}
{{- end }}
{{- if $given }}true{{ end }}
{{- end }}

{{/* "true" when Lamplight's own OIDC sign-in is configured. */}}
{{- define "lamplight.oidcOn" -}}
{{- if .Values.config.oidc.clientID }}true{{ end }}
{{- end }}

{{/*
Render-time guards. Each mirrors a refusal of the server at start-up (which would otherwise show
up as a CrashLoopBackOff) or a combination that would expose the cluster.
*/}}
{{- define "lamplight.validate" -}}
{{- $proxyAuth := include "lamplight.proxyAuthOn" . }}
{{- if and $proxyAuth (not (include "lamplight.trustedProxiesGiven" .)) }}
{{- fail "\n\nproxy-auth is on (proxyAuth.enabled, or -proxy-auth=true in config.extraArgs / HEADLAMP_CONFIG_PROXY_AUTH in env) but proxyAuth.trustedProxies is empty.\nLamplight refuses to start like this: anyone who can reach the pod could send `X-Forwarded-User: admin`.\nSet proxyAuth.trustedProxies to the addresses the auth proxy connects from, e.g.\n  --set 'proxyAuth.trustedProxies={10.42.0.0/16}'   (the pod CIDR of your ingress controller / oauth2-proxy pods)\n  --set 'proxyAuth.trustedProxies={127.0.0.1/32}'   (an auth proxy sidecar in the same pod)\nSee docs/identity-aware-proxy.md, \"Choosing -proxy-auth-trusted-proxies\"." }}
{{- end }}
{{- range .Values.proxyAuth.trustedProxies }}
{{- if and (regexMatch "/0$" (toString .)) (not $.Values.proxyAuth.insecureTrustAnyPeer) }}
{{- fail (printf "\n\nproxyAuth.trustedProxies contains %s, which trusts every address to assert identities.\nList the auth proxy's addresses instead, or set proxyAuth.insecureTrustAnyPeer=true if a NetworkPolicy really admits nothing but the proxy." .) }}
{{- end }}
{{- end }}
{{- if and .Values.proxyAuth.insecureTrustAnyPeer (not (and .Values.networkPolicy.enabled .Values.networkPolicy.proxyPeers)) }}
{{- fail "\n\nproxyAuth.insecureTrustAnyPeer accepts identity headers from any peer; it is only safe when a NetworkPolicy admits nothing but the proxy.\nKeep networkPolicy.enabled=true and set networkPolicy.proxyPeers to the proxy's pods/namespace." }}
{{- end }}
{{- if and $proxyAuth (include "lamplight.oidcOn" .) }}
{{- fail "\n\nproxy-auth and config.oidc.clientID are both set: choose one way of signing users in (Lamplight refuses both at once)." }}
{{- end }}
{{- if and .Values.proxyAuth.impersonate (not .Values.proxyAuth.enabled) }}
{{- fail "\n\nproxyAuth.impersonate needs proxyAuth.enabled=true: it impersonates the user the proxy identified." }}
{{- end }}
{{- if and .Values.config.unsafeUseServiceAccountToken (not .Values.config.inCluster) }}
{{- fail "\n\nconfig.unsafeUseServiceAccountToken needs config.inCluster=true: it picks the in-cluster service account's credentials." }}
{{- end }}
{{- if and (include "lamplight.oidcOn" .) (not .Values.config.oidc.issuerURL) }}
{{- fail "\n\nconfig.oidc.clientID is set but config.oidc.issuerURL is not: both are needed." }}
{{- end }}
{{- if and .Values.config.oidc.cookieSecret (lt (len .Values.config.oidc.cookieSecret) 32) }}
{{- fail "\n\nconfig.oidc.cookieSecret must be at least 32 bytes (e.g. `openssl rand -base64 48`); leave it empty to have one generated." }}
{{- end }}
{{- if and $proxyAuth .Values.networkPolicy.enabled (not .Values.networkPolicy.proxyPeers) }}
{{- fail "\n\nproxy-auth is on and networkPolicy.enabled=true, but networkPolicy.proxyPeers is empty, so the NetworkPolicy would not know which pods are the proxy.\nSet networkPolicy.proxyPeers to the proxy's pods/namespace, e.g.\n  networkPolicy:\n    proxyPeers:\n      - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: traefik}}\n        podSelector: {matchLabels: {app.kubernetes.io/name: traefik}}\nor set networkPolicy.enabled=false if your cluster enforces no NetworkPolicies (then trustedProxies is the only guard)." }}
{{- end }}
{{- if and .Values.ingress.enabled (eq .Values.ingress.authProxy.type "traefik" "nginx") (not $proxyAuth) }}
{{- fail (printf "\n\ningress.authProxy.type=%s puts oauth2-proxy in front, but proxyAuth.enabled is false, so Lamplight would ignore the identity it sends. Set proxyAuth.enabled=true (with trustedProxies)." .Values.ingress.authProxy.type) }}
{{- end }}
{{- end }}

{{/* The command line: every chart value that maps to a flag, each argument quoted. */}}
{{- define "lamplight.args" -}}
- {{ printf "-port=%v" .Values.config.port | quote }}
- {{ printf "-log-format=%s" .Values.config.logFormat | quote }}
- {{ printf "-log-level=%s" .Values.config.logLevel | quote }}
{{- with .Values.config.baseURL }}
- {{ printf "-base-url=%s" . | quote }}
{{- end }}
{{- if .Values.config.inCluster }}
- "-in-cluster=true"
- {{ printf "-in-cluster-context-name=%s" .Values.config.inClusterContextName | quote }}
{{- end }}
{{- if .Values.config.unsafeUseServiceAccountToken }}
- "-unsafe-use-service-account-token=true"
{{- end }}
{{- if .Values.config.tlsSecretName }}
- "-tls-cert-path=/etc/lamplight/tls/tls.crt"
- "-tls-key-path=/etc/lamplight/tls/tls.key"
{{- end }}
{{- if .Values.proxyAuth.enabled }}
- "-proxy-auth=true"
{{- with .Values.proxyAuth.trustedProxies }}
- {{ printf "-proxy-auth-trusted-proxies=%s" (join "," .) | quote }}
{{- end }}
{{- if .Values.proxyAuth.insecureTrustAnyPeer }}
- "-proxy-auth-insecure-trust-any-peer=true"
{{- end }}
- {{ printf "-proxy-auth-username-header=%s" .Values.proxyAuth.headers.username | quote }}
- {{ printf "-proxy-auth-group-header=%s" .Values.proxyAuth.headers.groups | quote }}
- {{ printf "-proxy-auth-email-header=%s" .Values.proxyAuth.headers.email | quote }}
- {{ printf "-proxy-auth-token-header=%s" .Values.proxyAuth.headers.token | quote }}
- {{ printf "-proxy-auth-group-separator=%s" .Values.proxyAuth.groupSeparator | quote }}
{{- with .Values.proxyAuth.logoutURL }}
- {{ printf "-proxy-auth-logout-url=%s" . | quote }}
{{- end }}
{{- with .Values.proxyAuth.loginURL }}
- {{ printf "-proxy-auth-login-url=%s" . | quote }}
{{- end }}
{{- if .Values.proxyAuth.impersonate }}
- "-proxy-auth-impersonate=true"
{{- end }}
{{- end }}
{{- if include "lamplight.oidcOn" . }}
{{- with .Values.config.oidc }}
- {{ printf "-oidc-client-id=%s" .clientID | quote }}
- {{ printf "-oidc-idp-issuer-url=%s" .issuerURL | quote }}
{{- with .scopes }}
- {{ printf "-oidc-scopes=%s" . | quote }}
{{- end }}
{{- with .callbackURL }}
- {{ printf "-oidc-callback-url=%s" . | quote }}
{{- end }}
{{- with .validatorClientID }}
- {{ printf "-oidc-validator-client-id=%s" . | quote }}
{{- end }}
{{- with .validatorIssuerURL }}
- {{ printf "-oidc-validator-idp-issuer-url=%s" . | quote }}
{{- end }}
- {{ printf "-oidc-use-pkce=%t" .usePKCE | quote }}
- {{ printf "-oidc-use-access-token=%t" .useAccessToken | quote }}
- {{ printf "-oidc-logout=%t" .logout | quote }}
{{- end }}
- {{ printf "-session-ttl=%d" (int .Values.config.sessionTTL) | quote }}
{{- end }}
{{- range .Values.config.extraArgs }}
- {{ toString . | quote }}
{{- end }}
{{- end }}

{{/* Ingress + auth proxy ---------------------------------------------------------------------- */}}

{{/* The identity headers the controller copies from oauth2-proxy's answer. */}}
{{- define "lamplight.authResponseHeaders" -}}
{{- if .Values.ingress.authProxy.responseHeaders }}
{{- toJson .Values.ingress.authProxy.responseHeaders }}
{{- else }}
{{- with .Values.proxyAuth.headers }}
{{- toJson (list .username .email .groups .token) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The public host the sign-in page sends the browser back to. */}}
{{- define "lamplight.ingressHost" -}}
{{- $first := first .Values.ingress.hosts | default dict }}
{{- $first.host | default "localhost" }}
{{- end }}

{{/* Traefik Middleware names, in the order the router applies them (outermost first). */}}
{{- define "lamplight.traefikMiddlewares" -}}
{{- $ns := include "lamplight.namespace" . }}
{{- $full := include "lamplight.fullname" . }}
{{- $names := list (printf "%s-strip-identity" $full) (printf "%s-sign-in" $full) (printf "%s-auth" $full) }}
{{- if .Values.ingress.authProxy.traefik.securityHeaders }}
{{- $names = append $names (printf "%s-security-headers" $full) }}
{{- end }}
{{- $refs := list }}
{{- range $names }}
{{- $refs = append $refs (printf "%s-%s@kubernetescrd" $ns .) }}
{{- end }}
{{- join "," (concat $refs .Values.ingress.authProxy.traefik.extraMiddlewares) }}
{{- end }}
