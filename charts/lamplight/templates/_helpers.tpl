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
{{- $oidc := .Values.config.oidc }}
{{- if $oidc.existingSecret }}
{{- $oidc.existingSecret }}
{{- else if (dig "externalSecret" "enabled" false $oidc) }}
{{- printf "%s-oidc-cookie" (include "lamplight.fullname" .) }}
{{- else if and (dig "secret" "create" true $oidc) (dig "secret" "name" "" $oidc) }}
{{- dig "secret" "name" "" $oidc }}
{{- else }}
{{- printf "%s-oidc" (include "lamplight.fullname" .) }}
{{- end }}
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

{{/*
"true" when a trust anchor other than the address is configured, in values, config.extraArgs or
env: a signed assertion (proxyAuth.preset, proxyAuth.jwt.header), a client certificate
(proxyAuth.clientCA) or a shared secret (proxyAuth.sharedSecret). With one, the server does not
need -proxy-auth-trusted-proxies (when given, it must hold too).
*/}}
{{- define "lamplight.otherAnchorGiven" -}}
{{- $given := or .Values.proxyAuth.preset .Values.proxyAuth.jwt.header .Values.proxyAuth.clientCA.existingSecret .Values.proxyAuth.sharedSecret.existingSecret }}
{{- range .Values.config.extraArgs }}
{{- if regexMatch "^--?proxy-auth-(preset|jwt-header|client-ca-file|secret-file)=.+$" (toString .) }}
{{- $given = true }}
{{- end }}
{{- end }}
{{- range .Values.env }}
{{- if and (has (toString .name) (list "HEADLAMP_CONFIG_PROXY_AUTH_PRESET" "HEADLAMP_CONFIG_PROXY_AUTH_JWT_HEADER" "HEADLAMP_CONFIG_PROXY_AUTH_CLIENT_CA_FILE" "HEADLAMP_CONFIG_PROXY_AUTH_SECRET_FILE")) (or .value .valueFrom) }}
{{- $given = true }}
{{- end }}
{{- end }}
{{- if $given }}true{{ end }}
{{- end }}

{{/* "true" when Lamplight serves HTTPS itself: config.tlsSecretName, or -tls-cert-path in config.extraArgs / env. */}}
{{- define "lamplight.tlsOn" -}}
{{- $on := or .Values.config.tlsSecretName (dig "tlsCertPath" "" .Values.config) }}
{{- range .Values.config.extraArgs }}
{{- if regexMatch "^--?tls-cert-path=.+$" (toString .) }}
{{- $on = true }}
{{- end }}
{{- end }}
{{- range .Values.env }}
{{- if and (eq (toString .name) "HEADLAMP_CONFIG_TLS_CERT_PATH") (or .value .valueFrom) }}
{{- $on = true }}
{{- end }}
{{- end }}
{{- if $on }}true{{ end }}
{{- end }}

{{/* "true" when /metrics has a listener of its own (metrics.enabled and metrics.port set). */}}
{{- define "lamplight.metricsOwnPort" -}}
{{- if and .Values.metrics.enabled .Values.metrics.port }}true{{ end }}
{{- end }}

{{/* "true" when Lamplight's own OIDC sign-in is configured. */}}
{{- define "lamplight.oidcOn" -}}
{{- if .Values.config.oidc.clientID }}true{{ end }}
{{- end }}

{{/*
"true" when some sign-in mode is configured anywhere: proxy auth (see lamplight.proxyAuthOn), the
chart's OIDC values, or OIDC given as flags or variables. A cookie secret alone counts, since it is
all the server needs when the OIDC client comes from a kubeconfig context (`auth-provider: oidc`).
*/}}
{{- define "lamplight.signInOn" -}}
{{- $on := or (include "lamplight.proxyAuthOn" .) (include "lamplight.oidcAny" .) }}
{{- range .Values.config.extraArgs }}
{{- if regexMatch "^--?oidc-(client-id|cookie-secret|cookie-secret-file)=.+$" (toString .) }}
{{- $on = true }}
{{- end }}
{{- end }}
{{- range .Values.env }}
{{- if and (has (toString .name) (list "HEADLAMP_CONFIG_OIDC_CLIENT_ID" "HEADLAMP_CONFIG_OIDC_COOKIE_SECRET" "HEADLAMP_CONFIG_OIDC_COOKIE_SECRET_FILE")) (or .value .valueFrom) }}
{{- $on = true }}
{{- end }}
{{- end }}
{{- if $on }}true{{ end }}
{{- end }}

{{/* "true" when -proxy-auth-insecure-trust-any-peer is on: the value, config.extraArgs or env. */}}
{{- define "lamplight.insecureTrustAnyPeerOn" -}}
{{- $on := .Values.proxyAuth.insecureTrustAnyPeer }}
{{- range .Values.config.extraArgs }}
{{- if regexMatch "^--?proxy-auth-insecure-trust-any-peer(=(1|t|T|true|TRUE|True))?$" (toString .) }}
{{- $on = true }}
{{- end }}
{{- end }}
{{- range .Values.env }}
{{- if and (eq (toString .name) "HEADLAMP_CONFIG_PROXY_AUTH_INSECURE_TRUST_ANY_PEER") (has (toString .value) (list "1" "t" "T" "true" "TRUE" "True")) }}
{{- $on = true }}
{{- end }}
{{- end }}
{{- if $on }}true{{ end }}
{{- end }}

{{/*
The -allowed-hosts the chart passes: config.allowedHosts plus every ingress.hosts[].host when the
Ingress is enabled, lower-cased, without duplicates, comma-separated. Just `*` when the list has `*`
(the server refuses `*` next to other names). Empty when there is nothing to add to the names the
server always answers to (localhost, *.localhost, IP addresses, the -oidc-callback-url host).
*/}}
{{- define "lamplight.allowedHosts" -}}
{{- $hosts := list }}
{{- range .Values.config.allowedHosts }}
{{- $hosts = append $hosts (lower (trimSuffix "." (toString .))) }}
{{- end }}
{{- if .Values.ingress.enabled }}
{{- range .Values.ingress.hosts }}
{{- with .host }}
{{- $hosts = append $hosts (lower (trimSuffix "." (toString .))) }}
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.httpRoute.enabled }}
{{- range .Values.httpRoute.hostnames }}
{{- $hosts = append $hosts (lower (trimSuffix "." (toString .))) }}
{{- end }}
{{- end }}
{{- if has "*" $hosts }}*{{ else }}{{ join "," (uniq $hosts) }}{{ end }}
{{- end }}

{{/* Trusted proxies ------------------------------------------------------------------------------- */}}

{{/*
An IP address or CIDR as its family and the bits of its network part: "4:00001010" for
10.0.0.0/8, "4:" for 0.0.0.0/0, "6:" for ::/0. IPv4-mapped IPv6 ranges (::ffff:a.b.c.d/n with
n >= 96) are the IPv4 range they map, as the server compares peers in canonical form, so
::ffff:0:0/96 is "4:". Empty for anything that does not parse (values.schema.json and the server
refuse those with a better message).
*/}}
{{- define "lamplight.cidrBits" -}}
{{- $parts := splitList "/" (lower (trim (toString .))) }}
{{- $addr := first $parts }}
{{- $family := "" }}
{{- $bits := "x" }}
{{- $prefix := 32 }}
{{- if regexMatch "^[0-9]{1,3}([.][0-9]{1,3}){3}$" $addr }}
{{- $family = "4" }}
{{- $bits = include "lamplight.ipv4Bits" $addr }}
{{- else if contains ":" $addr }}
{{- $family = "6" }}
{{- $prefix = 128 }}
{{- $halves := splitList "::" $addr }}
{{- $head := include "lamplight.ipv6Bits" (first $halves) }}
{{- $tail := "" }}
{{- if eq (len $halves) 2 }}
{{- $tail = include "lamplight.ipv6Bits" (last $halves) }}
{{- end }}
{{- $gap := int (sub 128 (add (len $head) (len $tail))) }}
{{- if and (le (len $halves) 2) (ge $gap 0) (or (eq (len $halves) 2) (eq $gap 0)) (not (contains "x" $head)) (not (contains "x" $tail)) }}
{{- $bits = printf "%s%s%s" $head (repeat $gap "0") $tail }}
{{- end }}
{{- end }}
{{- if eq (len $parts) 2 }}
{{- if regexMatch "^[0-9]{1,3}$" (last $parts) }}
{{- $prefix = atoi (last $parts) }}
{{- else }}
{{- $bits = "x" }}
{{- end }}
{{- end }}
{{- if or (gt (len $parts) 2) (contains "x" $bits) (gt $prefix (len $bits)) }}
{{- $family = "" }}
{{- end }}
{{- if $family }}
{{- $bits = trunc $prefix $bits }}
{{- $mapped := printf "%s%s" (repeat 80 "0") (repeat 16 "1") }}
{{- if and (eq $family "6") (ge (len $bits) 96) (hasPrefix $mapped $bits) }}
{{- $family = "4" }}
{{- $bits = substr 96 (len $bits) $bits }}
{{- end }}
{{- printf "%s:%s" $family $bits }}
{{- end }}
{{- end }}

{{/* "a.b.c.d" as 32 bits; an "x" marks an octet over 255. */}}
{{- define "lamplight.ipv4Bits" -}}
{{- range splitList "." . }}
{{- if le (atoi .) 255 }}{{ printf "%08b" (atoi .) }}{{ else }}x{{ end }}
{{- end }}
{{- end }}

{{/*
Colon-separated IPv6 groups ("fd00:10", one side of a "::") as 16 bits each, a dotted IPv4 tail as
32; "" for no groups, an "x" for a group that is not hex.
*/}}
{{- define "lamplight.ipv6Bits" -}}
{{- $nibbles := dict "0" "0000" "1" "0001" "2" "0010" "3" "0011" "4" "0100" "5" "0101" "6" "0110" "7" "0111" "8" "1000" "9" "1001" "a" "1010" "b" "1011" "c" "1100" "d" "1101" "e" "1110" "f" "1111" }}
{{- if . }}
{{- range splitList ":" . }}
{{- if regexMatch "^[0-9a-f]{1,4}$" . }}
{{- range splitList "" (trunc -4 (printf "000%s" .)) }}{{ index $nibbles . }}{{ end }}
{{- else if regexMatch "^[0-9]{1,3}([.][0-9]{1,3}){3}$" . }}
{{- include "lamplight.ipv4Bits" . }}
{{- else }}x
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
"true" when the networks, given as bit strings of one family, together contain every address that
starts with .prefix: one of them is a prefix of it, or both of its halves are covered. Only halves
some network lies inside are explored, so this stays small (at most a few hundred calls).
*/}}
{{- define "lamplight.bitsCover" -}}
{{- $prefix := .prefix }}
{{- $covered := false }}
{{- $inside := false }}
{{- range .nets }}
{{- if hasPrefix . $prefix }}
{{- $covered = true }}
{{- else if hasPrefix $prefix . }}
{{- $inside = true }}
{{- end }}
{{- end }}
{{- if $covered }}true
{{- else if $inside }}
{{- if and (include "lamplight.bitsCover" (dict "prefix" (printf "%s0" $prefix) "nets" .nets)) (include "lamplight.bitsCover" (dict "prefix" (printf "%s1" $prefix) "nets" .nets)) }}true{{ end }}
{{- end }}
{{- end }}

{{/*
"IPv4" or "IPv6" when a list of addresses/CIDRs together covers that whole family, however it is
spelt: 0.0.0.0/0; 0.0.0.0/1,128.0.0.0/1; four /2s; ::ffff:0:0/96; ::/1,8000::/1. Empty otherwise.
*/}}
{{- define "lamplight.coveredFamily" -}}
{{- $v4 := list }}
{{- $v6 := list }}
{{- range . }}
{{- $net := include "lamplight.cidrBits" . }}
{{- if hasPrefix "4:" $net }}
{{- $v4 = append $v4 (trimPrefix "4:" $net) }}
{{- else if hasPrefix "6:" $net }}
{{- $v6 = append $v6 (trimPrefix "6:" $net) }}
{{- end }}
{{- end }}
{{- if include "lamplight.bitsCover" (dict "prefix" "" "nets" $v4) }}IPv4
{{- else if include "lamplight.bitsCover" (dict "prefix" "" "nets" $v6) }}IPv6
{{- end }}
{{- end }}

{{/* proxyAuth.trustedProxies wider than the server's warning threshold (/8, IPv6 /32), comma-separated. */}}
{{- define "lamplight.wideTrustedProxies" -}}
{{- $wide := list }}
{{- range .Values.proxyAuth.trustedProxies }}
{{- $net := include "lamplight.cidrBits" . }}
{{- if or (and (hasPrefix "4:" $net) (lt (len $net) 10)) (and (hasPrefix "6:" $net) (lt (len $net) 34)) }}
{{- $wide = append $wide (toString .) }}
{{- end }}
{{- end }}
{{- join ", " $wide }}
{{- end }}

{{/*
Render-time guards. Each mirrors a refusal of the server at start-up (which would otherwise show
up as a CrashLoopBackOff) or a combination that would expose the cluster.
*/}}
{{- define "lamplight.validate" -}}
{{- include "lamplight.headlampValidate" . }}
{{- $proxyAuth := include "lamplight.proxyAuthOn" . }}
{{- if and $proxyAuth (not (include "lamplight.trustedProxiesGiven" .)) (not (include "lamplight.otherAnchorGiven" .)) }}
{{- fail "\n\nproxy-auth is on (proxyAuth.enabled, or -proxy-auth=true in config.extraArgs / HEADLAMP_CONFIG_PROXY_AUTH in env) but proxyAuth.trustedProxies is empty and no other trust anchor is configured.\nLamplight refuses to start like this: anyone who can reach the pod could send `X-Forwarded-User: admin`.\nSet proxyAuth.trustedProxies to the addresses the auth proxy connects from, e.g.\n  --set 'proxyAuth.trustedProxies={10.42.0.0/16}'   (the pod CIDR of your ingress controller / oauth2-proxy pods)\n  --set 'proxyAuth.trustedProxies={127.0.0.1/32}'   (an auth proxy sidecar in the same pod)\nor a stronger anchor: proxyAuth.preset with proxyAuth.jwt.audience (a signed assertion: Google IAP, Cloudflare Access, AWS ALB, Pomerium, oauth2-proxy),\nproxyAuth.clientCA.existingSecret (the proxy's client certificate) or proxyAuth.sharedSecret.existingSecret.\nSee docs/identity-aware-proxy.md, \"Trust anchors\" and \"Choosing -proxy-auth-trusted-proxies\"." }}
{{- end }}
{{- /* Trusted proxies that together cover every IPv4 or IPv6 address, in any spelling (0.0.0.0/0,
       0.0.0.0/1 + 128.0.0.0/1, ::ffff:0:0/96, ::/1 + 8000::/1 ...). A convenience that fails at
       `helm install` instead of in a CrashLoopBackOff: the server makes the real check at start-up,
       and only the `-name=value` spelling of a flag in config.extraArgs is looked at here. Each
       source is checked on its own, since a later one replaces an earlier one. */ -}}
{{- if not (include "lamplight.insecureTrustAnyPeerOn" .) }}
{{- $sources := list (dict "where" "proxyAuth.trustedProxies" "entries" .Values.proxyAuth.trustedProxies) }}
{{- range .Values.config.extraArgs }}
{{- if regexMatch "^--?proxy-auth-trusted-proxies=" (toString .) }}
{{- $sources = append $sources (dict "where" "-proxy-auth-trusted-proxies in config.extraArgs" "entries" (splitList "," (trimPrefix "proxy-auth-trusted-proxies=" (trimPrefix "-" (trimPrefix "-" (toString .)))))) }}
{{- end }}
{{- end }}
{{- range .Values.env }}
{{- if and (eq (toString .name) "HEADLAMP_CONFIG_PROXY_AUTH_TRUSTED_PROXIES") .value }}
{{- $sources = append $sources (dict "where" "HEADLAMP_CONFIG_PROXY_AUTH_TRUSTED_PROXIES in env" "entries" (splitList "," (toString .value))) }}
{{- end }}
{{- end }}
{{- range $sources }}
{{- $where := .where }}
{{- with include "lamplight.coveredFamily" .entries }}
{{- fail (printf "\n\n%s together cover every %s address, which trusts every address to assert identities (Lamplight refuses this at start-up).\nList the auth proxy's addresses instead (its pods' CIDR, its node subnet, 127.0.0.1/32 for a sidecar), or set proxyAuth.insecureTrustAnyPeer=true if a NetworkPolicy really admits nothing but the proxy." $where .) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and (include "lamplight.insecureTrustAnyPeerOn" .) (not (and .Values.networkPolicy.enabled .Values.networkPolicy.proxyPeers)) }}
{{- fail "\n\nproxyAuth.insecureTrustAnyPeer (or -proxy-auth-insecure-trust-any-peer) accepts identity headers from any peer; it is only safe when a NetworkPolicy admits nothing but the proxy.\nKeep networkPolicy.enabled=true and set networkPolicy.proxyPeers to the proxy's pods/namespace." }}
{{- end }}
{{- if and $proxyAuth (include "lamplight.oidcAny" .) }}
{{- fail "\n\nproxy-auth and OIDC (config.oidc.clientID, config.oidc.externalSecret, OIDC_CLIENT_ID or HEADLAMP_CONFIG_OIDC_CLIENT_ID in env, -oidc-client-id) are both set: choose one way of signing users in (Lamplight refuses both at once)." }}
{{- end }}
{{- /* Trust anchors and their settings. Each mirrors the server's refusal at start-up. */ -}}
{{- with .Values.proxyAuth }}
{{- $presets := list "oauth2-proxy" "google-iap" "cloudflare-access" "aws-alb" "pomerium" }}
{{- if and .preset (not (has .preset $presets)) }}
{{- fail (printf "\n\nproxyAuth.preset=%s is not a preset Lamplight knows.\nUse one of %s, or leave it empty and set proxyAuth.jwt.* yourself." .preset (join ", " $presets)) }}
{{- end }}
{{- if and (not .enabled) (or .preset .jwt.header .clientCA.existingSecret .sharedSecret.existingSecret) }}
{{- fail "\n\nA proxy trust anchor (proxyAuth.preset, proxyAuth.jwt.header, proxyAuth.clientCA.existingSecret or proxyAuth.sharedSecret.existingSecret) is set but proxyAuth.enabled is false, so nothing would use it (Lamplight refuses this at start-up).\nSet proxyAuth.enabled=true." }}
{{- end }}
{{- if and (or .preset .jwt.header) (not .jwt.audience) }}
{{- fail (printf "\n\nproxyAuth.jwt.audience is empty, but a signed assertion is expected (proxyAuth.preset=%s, proxyAuth.jwt.header=%s).\nWithout an audience, an assertion the proxy signed for another application would be accepted here (Lamplight refuses to start).\nSet proxyAuth.jwt.audience to this application's identifier at the proxy:\n  google-iap:        /projects/PROJECT_NUMBER/global/backendServices/SERVICE_ID\n  cloudflare-access: the Access application's AUD tag\n  aws-alb:           the load balancer's ARN\n  pomerium:          the route's host name, e.g. lamplight.corp.example.com\n  oauth2-proxy:      oauth2-proxy's client ID" (.preset | default "\"\"") (.jwt.header | default "\"\"")) }}
{{- end }}
{{- if and (has .preset (list "oauth2-proxy" "cloudflare-access" "pomerium")) (not .jwt.issuer) }}
{{- fail (printf "\n\nproxyAuth.preset=%s needs proxyAuth.jwt.issuer, the `iss` its assertions carry (Lamplight refuses to start without it):\n  oauth2-proxy:      the issuer URL of the IdP oauth2-proxy signs users in with, e.g. https://idp.example.com\n  cloudflare-access: your team domain, https://<team>.cloudflareaccess.com\n  pomerium:          the route's host name (Pomerium 0.22 and later), e.g. lamplight.corp.example.com" .preset) }}
{{- end }}
{{- if and (eq .preset "google-iap") .jwt.audience (not (regexMatch "^/projects/[0-9]+/" .jwt.audience)) }}
{{- fail (printf "\n\nproxyAuth.jwt.audience=%s does not start with /projects/PROJECT_NUMBER/: IAP's audience names the project by its number, not its ID, so every assertion would be refused.\nFind the number with: gcloud projects describe PROJECT_ID --format='value(projectNumber)'" .jwt.audience) }}
{{- end }}
{{- if and (eq .preset "aws-alb") .jwt.audience (not (regexMatch "^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:loadbalancer/app/[^/]+/[^/]+$" .jwt.audience)) }}
{{- fail (printf "\n\nproxyAuth.jwt.audience=%s is not an Application Load Balancer ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID). With proxyAuth.preset=aws-alb it is checked against the `signer` of every x-amzn-oidc-data assertion, and its region says where the signing keys are." .jwt.audience) }}
{{- end }}
{{- if and (not .preset) (not .jwt.header) (or .jwt.jwksURL .jwt.issuer .jwt.audience .jwt.usernameClaim .jwt.groupsClaim .jwt.emailClaim) }}
{{- fail "\n\nproxyAuth.jwt.* is set but neither proxyAuth.preset nor proxyAuth.jwt.header is, so no assertion is expected and those settings would do nothing (Lamplight refuses this at start-up).\nSet proxyAuth.preset (oauth2-proxy, google-iap, cloudflare-access, aws-alb, pomerium) or proxyAuth.jwt.header." }}
{{- end }}
{{- if and .jwt.header (not .preset) (not .jwt.jwksURL) (not (hasPrefix "https://" .jwt.issuer)) }}
{{- $jwksFile := false }}
{{- range $.Values.config.extraArgs }}
{{- if regexMatch "^--?proxy-auth-jwks-file=.+$" (toString .) }}
{{- $jwksFile = true }}
{{- end }}
{{- end }}
{{- if not $jwksFile }}
{{- fail "\n\nproxyAuth.jwt.header is set without a preset, but nothing says which keys sign the assertions (Lamplight refuses to start).\nSet proxyAuth.jwt.jwksURL, an https proxyAuth.jwt.issuer with OpenID Connect discovery, or -proxy-auth-jwks-file=... in config.extraArgs (with the file in volumes/volumeMounts)." }}
{{- end }}
{{- end }}
{{- if and .clientCA.existingSecret (not (include "lamplight.tlsOn" $)) }}
{{- fail "\n\nproxyAuth.clientCA.existingSecret is set but Lamplight does not serve HTTPS: the proxy presents its client certificate only in a TLS handshake with Lamplight itself (Lamplight refuses to start).\nSet config.tlsSecretName to a kubernetes.io/tls Secret with Lamplight's serving certificate, and make the proxy connect over HTTPS (see docs/identity-aware-proxy.md, \"Recipe: mTLS between the ingress and Lamplight\")." }}
{{- end }}
{{- if and .clientCA.allowedNames (not .clientCA.existingSecret) }}
{{- fail "\n\nproxyAuth.clientCA.allowedNames narrows the certificates the client CA issued, but proxyAuth.clientCA.existingSecret is empty. Set the CA's Secret, or clear allowedNames." }}
{{- end }}
{{- end }}
{{- /* Metrics. */ -}}
{{- if and .Values.metrics.enabled .Values.metrics.port (eq (int .Values.metrics.port) (int .Values.config.port)) }}
{{- fail (printf "\n\nmetrics.port=%v is also config.port: the metrics listener needs a port of its own. Pick another port, or 0 to serve <baseURL>/metrics on the main port." .Values.metrics.port) }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.enabled) }}
{{- fail "\n\nmetrics.serviceMonitor.enabled=true but metrics.enabled=false: there would be nothing to scrape. Set metrics.enabled=true." }}
{{- end }}
{{- if and .Values.networkPolicy.enabled .Values.networkPolicy.metricsPeers .Values.metrics.enabled (not .Values.metrics.port) }}
{{- fail "\n\nnetworkPolicy.metricsPeers would admit Prometheus to Lamplight's main port (metrics.port is 0), and with it to the dashboard itself.\nSet metrics.port to a port of its own (e.g. 9090), or admit the scraper through networkPolicy.extraIngress if that is really what you want." }}
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
{{- if and .Values.httpRoute.enabled (not (include "lamplight.signInOn" .)) (not .Values.httpRoute.allowWithoutSignIn) }}
{{- fail "\n\nhttpRoute.enabled=true publishes Lamplight through a Gateway, but no sign-in is configured: neither proxy auth (proxyAuth.enabled, -proxy-auth) nor OpenID Connect (config.oidc.clientID, -oidc-client-id, Headlamp's OIDC_CLIENT_ID in env).\nAnyone who can reach the Gateway would use the dashboard.\nPut an identity-aware proxy in front (proxyAuth.* with ingress.authProxy.type=traefik and Traefik's Gateway provider, or the gateway's own external auth: see examples/gateway-*.yaml) or configure config.oidc.*.\nIf something outside this chart authenticates every request, set httpRoute.allowWithoutSignIn=true (UNSAFE)." }}
{{- end }}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) }}
{{- fail "\n\nhttpRoute.enabled=true but httpRoute.parentRefs is empty: name the Gateway the route attaches to, e.g. httpRoute.parentRefs: [{name: my-gateway, namespace: gateway-system}]." }}
{{- end }}
{{- if and (eq .Values.ingress.authProxy.type "nginx") .Values.httpRoute.enabled (not .Values.httpRoute.rules) }}
{{- fail "\n\ningress.authProxy.type=nginx sets ingress-nginx annotations, which a Gateway API HTTPRoute ignores: httpRoute would be published without ForwardAuth.\nWith httpRoute use ingress.authProxy.type=traefik (Traefik's Gateway provider, ExtensionRef filters) or the gateway's own external auth with your own httpRoute.rules (examples/gateway-envoy-oauth2-proxy.yaml)." }}
{{- end }}
{{- if and (eq .Values.ingress.authProxy.type "traefik") (or .Values.ingress.enabled .Values.httpRoute.enabled) }}
{{- $signInNs := .Values.ingress.authProxy.traefik.signInService.namespace | default (include "lamplight.namespace" .) }}
{{- if and (ne $signInNs (include "lamplight.namespace" .)) (not .Values.ingress.authProxy.traefik.allowCrossNamespace) }}
{{- fail (printf "\n\ningress.authProxy.traefik.signInService.namespace=%s is not Lamplight's namespace (%s): Traefik refuses a Middleware that points at a Service in another namespace unless its providers.kubernetesCRD.allowCrossNamespace=true, and then rejects the whole router: the dashboard would be a 404.\nInstall oauth2-proxy in %s (the default: leave signInService.namespace and authURL empty), or enable allowCrossNamespace in Traefik and set ingress.authProxy.traefik.allowCrossNamespace=true." $signInNs (include "lamplight.namespace" .) (include "lamplight.namespace" .)) }}
{{- end }}
{{- end }}
{{- if and .Values.ingress.enabled (not (include "lamplight.signInOn" .)) (not .Values.ingress.allowWithoutSignIn) }}
{{- fail "\n\ningress.enabled=true publishes Lamplight, but no sign-in is configured: neither proxy auth (proxyAuth.enabled, -proxy-auth) nor OpenID Connect (config.oidc.clientID, -oidc-client-id).\nAnyone who can reach the Ingress would use the dashboard: with config.unsafeUseServiceAccountToken as the service account, otherwise with whatever token they bring.\nPut an identity-aware proxy in front (proxyAuth.*, ingress.authProxy.*; see docs/identity-aware-proxy.md) or configure config.oidc.*.\nIf something outside this chart authenticates every request and that is really what you want, set ingress.allowWithoutSignIn=true (UNSAFE)." }}
{{- end }}
{{- $allowedHosts := include "lamplight.allowedHosts" . }}
{{- if $allowedHosts }}
{{- range .Values.config.extraArgs }}
{{- if regexMatch "^--?allowed-hosts(=|$)" (toString .) }}
{{- fail (printf "\n\n-allowed-hosts in config.extraArgs would replace the list the chart passes (%s: config.allowedHosts and the Ingress hosts), and every other name would get 421 Misdirected Request.\nPut the names in config.allowedHosts instead." $allowedHosts) }}
{{- end }}
{{- end }}
{{- range .Values.env }}
{{- if eq (toString .name) "HEADLAMP_CONFIG_ALLOWED_HOSTS" }}
{{- fail (printf "\n\nHEADLAMP_CONFIG_ALLOWED_HOSTS in env would be ignored: the chart passes -allowed-hosts=%s on the command line (config.allowedHosts and the Ingress hosts), which wins over the environment.\nPut the names in config.allowedHosts instead." $allowedHosts) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and (or .Values.ingress.enabled .Values.httpRoute.enabled) (eq .Values.ingress.authProxy.type "traefik" "nginx") (not $proxyAuth) }}
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
{{- with include "lamplight.allowedHosts" . }}
- {{ printf "-allowed-hosts=%s" . | quote }}
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
{{- else }}
{{- with (dig "tlsCertPath" "" .Values.config) }}
- {{ printf "-tls-cert-path=%s" . | quote }}
{{- end }}
{{- with (dig "tlsKeyPath" "" .Values.config) }}
- {{ printf "-tls-key-path=%s" . | quote }}
{{- end }}
{{- end }}
{{- if .Values.proxyAuth.enabled }}
- "-proxy-auth=true"
{{- with .Values.proxyAuth.trustedProxies }}
- {{ printf "-proxy-auth-trusted-proxies=%s" (join "," .) | quote }}
{{- end }}
{{- if .Values.proxyAuth.insecureTrustAnyPeer }}
- "-proxy-auth-insecure-trust-any-peer=true"
{{- end }}
{{- /* With a preset, a header left at Lamplight's default is not passed, so the preset's default
       applies (google-iap compares X-Goog-Authenticated-User-Email, not X-Forwarded-Email). */ -}}
{{- $preset := .Values.proxyAuth.preset }}
{{- with .Values.proxyAuth.headers }}
{{- if or (not $preset) (ne .username "X-Forwarded-User") }}
- {{ printf "-proxy-auth-username-header=%s" .username | quote }}
{{- end }}
{{- if or (not $preset) (ne .groups "X-Forwarded-Group") }}
- {{ printf "-proxy-auth-group-header=%s" .groups | quote }}
{{- end }}
{{- if or (not $preset) (ne .email "X-Forwarded-Email") }}
- {{ printf "-proxy-auth-email-header=%s" .email | quote }}
{{- end }}
{{- if or (not $preset) (ne .token "X-Forwarded-Id-Token") }}
- {{ printf "-proxy-auth-token-header=%s" .token | quote }}
{{- end }}
{{- end }}
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
- {{ printf "-proxy-auth-stream-max-age=%d" (int .Values.proxyAuth.streamMaxAge) | quote }}
{{- with .Values.proxyAuth.preset }}
- {{ printf "-proxy-auth-preset=%s" . | quote }}
{{- end }}
{{- with .Values.proxyAuth.jwt }}
{{- with .header }}
- {{ printf "-proxy-auth-jwt-header=%s" . | quote }}
{{- end }}
{{- with .jwksURL }}
- {{ printf "-proxy-auth-jwks-url=%s" . | quote }}
{{- end }}
{{- with .issuer }}
- {{ printf "-proxy-auth-jwt-issuer=%s" . | quote }}
{{- end }}
{{- with .audience }}
- {{ printf "-proxy-auth-jwt-audience=%s" . | quote }}
{{- end }}
{{- with .usernameClaim }}
- {{ printf "-proxy-auth-jwt-username-claim=%s" . | quote }}
{{- end }}
{{- with .groupsClaim }}
- {{ printf "-proxy-auth-jwt-groups-claim=%s" . | quote }}
{{- end }}
{{- with .emailClaim }}
- {{ printf "-proxy-auth-jwt-email-claim=%s" . | quote }}
{{- end }}
{{- end }}
{{- if .Values.proxyAuth.clientCA.existingSecret }}
- "-proxy-auth-client-ca-file=/etc/lamplight/proxy-client-ca/ca.crt"
{{- with .Values.proxyAuth.clientCA.allowedNames }}
- {{ printf "-proxy-auth-allowed-names=%s" (join "," .) | quote }}
{{- end }}
{{- end }}
{{- if .Values.proxyAuth.sharedSecret.existingSecret }}
- "-proxy-auth-secret-file=/etc/lamplight/proxy-secret/secret"
{{- with .Values.proxyAuth.sharedSecret.header }}
- {{ printf "-proxy-auth-secret-header=%s" . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.metrics.enabled }}
- "-metrics-enabled=true"
{{- if .Values.metrics.port }}
- {{ printf "-metrics-port=%d" (int .Values.metrics.port) | quote }}
{{- end }}
{{- end }}
- {{ printf "-audit-level=%s" .Values.audit.level | quote }}
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
{{- include "lamplight.headlampOidcArgs" . }}
{{- include "lamplight.headlampConfigArgs" . }}
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


{{/* The Traefik Middleware names the chart creates, in the order the router applies them (outermost first). */}}
{{- define "lamplight.traefikMiddlewareNames" -}}
{{- $full := include "lamplight.fullname" . }}
{{- $names := list }}
{{- if .Values.ingress.authProxy.traefik.securityHeaders }}
{{- $names = append $names (printf "%s-security-headers" $full) }}
{{- end }}
{{- toJson (concat $names (list (printf "%s-strip-identity" $full) (printf "%s-sign-in" $full) (printf "%s-auth" $full))) }}
{{- end }}

{{/*
oauth2-proxy's auth endpoint: ingress.authProxy.authURL, or the sign-in Service's, so both point
at one namespace (the release's unless signInService.namespace says otherwise).
*/}}
{{- define "lamplight.authURL" -}}
{{- with .Values.ingress.authProxy.authURL }}
{{- . }}
{{- else }}
{{- $svc := .Values.ingress.authProxy.traefik.signInService }}
{{- printf "http://%s.%s.svc.cluster.local:%v/oauth2/auth" $svc.name ($svc.namespace | default (include "lamplight.namespace" .)) $svc.port }}
{{- end }}
{{- end }}

{{/* Traefik Middleware names, in the order the router applies them (outermost first). */}}
{{- define "lamplight.traefikMiddlewares" -}}
{{- $ns := include "lamplight.namespace" . }}
{{- $refs := list }}
{{- range (include "lamplight.traefikMiddlewareNames" . | fromJsonArray) }}
{{- $refs = append $refs (printf "%s-%s@kubernetescrd" $ns .) }}
{{- end }}
{{- join "," (concat $refs .Values.ingress.authProxy.traefik.extraMiddlewares) }}
{{- end }}
