{{/*
Headlamp compatibility: Headlamp chart values and server flags that Lamplight maps, ignores with a
warning, or refuses with the replacement (README.md, "Coming from Headlamp's chart").
*/}}

{{/*
Headlamp server flags that Lamplight's server accepts but ignores (it logs why at every start), as a
JSON object name -> "warn", and the one it refuses, -service-account-token-path -> "refuse"
(ignoring it would lend another service account than the one chosen). The chart passes the "warn"
ones on, as Headlamp's chart does, and names them in the install notes; it refuses the other at
render time. The flags Lamplight implements (-plugins-dir, -pod-debug-image, the themes...) are
not listed: they keep their meaning.
*/}}
{{- define "lamplight.headlampOnlyFlags" -}}
{{- toJson (dict
  "app-name" "warn" "dev" "warn" "cache-enabled" "warn" "no-browser" "warn" "insecure-ssl" "warn"
  "enable-dynamic-clusters" "warn" "allow-kubeconfig-changes" "warn" "watch-plugins-changes" "warn"
  "kubeconfig-dir" "warn" "proxy-urls" "warn" "enable-helm" "warn" "enable-cluster-inventory" "warn"
  "cluster-inventory-provider-file" "warn" "cluster-inventory-label-selector" "warn"
  "cluster-inventory-namespaces" "warn" "cluster-inventory-root-reconcile-interval" "warn"
  "cluster-inventory-no-crd-cache-ttl" "warn" "oidc-use-cookie" "warn" "me-user-info-url" "warn"
  "service-name" "warn" "service-version" "warn" "tracing-enabled" "warn" "otlp-endpoint" "warn"
  "use-otlp-http" "warn" "stdout-trace-enabled" "warn" "sampling-rate" "warn"
  "service-account-token-path" "refuse"
) }}
{{- end }}

{{/* config.extraArgs as {"warned": [...], "refused": [...]}: Headlamp flags Lamplight ignores or refuses. */}}
{{- define "lamplight.extraArgsSplit" -}}
{{- $flags := include "lamplight.headlampOnlyFlags" . | fromJson }}
{{- $warned := list }}
{{- $refused := list }}
{{- range .Values.config.extraArgs }}
{{- $arg := toString . }}
{{- if regexMatch "^--?[A-Za-z0-9-]+(=.*)?$" $arg }}
{{- $kind := get $flags (regexReplaceAll "^--?([A-Za-z0-9-]+)(=.*)?$" $arg "${1}") }}
{{- if eq $kind "refuse" }}
{{- $refused = append $refused $arg }}
{{- else if $kind }}
{{- $warned = append $warned $arg }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson (dict "warned" $warned "refused" $refused) }}
{{- end }}

{{/*
The arguments Headlamp's chart derives from its config.* values, for the ones Lamplight's chart
passes the same way: -plugins-dir, -pod-debug-image, -node-shell-image, -node-shell-namespace
(Lamplight implements them), -enable-helm, -watch-plugins-changes, -oidc-use-cookie,
-me-user-info-url (Lamplight accepts and ignores them, with a warning in the notes and at start).
*/}}
{{- define "lamplight.headlampConfigArgs" -}}
{{- $c := .Values.config }}
{{- with (dig "pluginsDir" "" $c) }}
- {{ printf "-plugins-dir=%s" . | quote }}
{{- end }}
{{- range $key, $flag := dict "podDebugImage" "pod-debug-image" "nodeShellImage" "node-shell-image" "nodeShellNamespace" "node-shell-namespace" }}
{{- with (dig $key "" $c) }}
- {{ printf "-%s=%s" $flag . | quote }}
{{- end }}
{{- end }}
{{- if (dig "enableHelm" false $c) }}
- "-enable-helm"
{{- end }}
{{- if (dig "watchPlugins" false $c) }}
- "-watch-plugins-changes"
{{- end }}
{{- if (dig "useCookie" false $c.oidc) }}
- "-oidc-use-cookie"
{{- end }}
{{- with (dig "meUserInfoURL" "" $c.oidc) }}
- {{ printf "-me-user-info-url=%s" . | quote }}
{{- else }}
{{- if hasKey (include "lamplight.headlampOidcEnv" . | fromJson) "ME_USER_INFO_URL" }}
- "-me-user-info-url=$(ME_USER_INFO_URL)"
{{- end }}
{{- end }}
{{- end }}

{{/*
Headlamp's OIDC environment variables (OIDC_CLIENT_ID ...) found in `env`, as a JSON object
name -> value ("(from a Secret)" for valueFrom).
*/}}
{{- define "lamplight.headlampOidcEnv" -}}
{{- $names := list "OIDC_CLIENT_ID" "OIDC_CLIENT_SECRET" "OIDC_ISSUER_URL" "OIDC_SCOPES" "OIDC_CALLBACK_URL" "OIDC_VALIDATOR_CLIENT_ID" "OIDC_VALIDATOR_ISSUER_URL" "OIDC_USE_ACCESS_TOKEN" "OIDC_USE_PKCE" "ME_USER_INFO_URL" }}
{{- $found := dict }}
{{- range .Values.env }}
{{- if has (toString .name) $names }}
{{- if .valueFrom }}
{{- $_ := set $found (toString .name) "(from a Secret)" }}
{{- else if .value }}
{{- $_ := set $found (toString .name) (toString .value) }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson $found }}
{{- end }}

{{/*
How the OIDC client is configured Headlamp's way, besides config.oidc.clientID ("values"):
"external" (config.oidc.externalSecret: a Secret with OIDC_* keys, as envFrom) or "env"
(OIDC_CLIENT_ID in `env`). Empty otherwise.
*/}}
{{- define "lamplight.headlampOidcMode" -}}
{{- if (dig "externalSecret" "enabled" false .Values.config.oidc) }}external
{{- else if hasKey (include "lamplight.headlampOidcEnv" . | fromJson) "OIDC_CLIENT_ID" }}env
{{- end }}
{{- end }}

{{/* "true" when the cookie secret is given outside the chart's values: env or config.extraArgs. */}}
{{- define "lamplight.cookieSecretElsewhere" -}}
{{- $given := false }}
{{- range .Values.config.extraArgs }}
{{- if regexMatch "^--?oidc-cookie-secret(-file)?=.+$" (toString .) }}
{{- $given = true }}
{{- end }}
{{- end }}
{{- range .Values.env }}
{{- if has (toString .name) (list "HEADLAMP_CONFIG_OIDC_COOKIE_SECRET" "HEADLAMP_CONFIG_OIDC_COOKIE_SECRET_FILE") }}
{{- $given = true }}
{{- end }}
{{- end }}
{{- if $given }}true{{ end }}
{{- end }}

{{/*
"true" when OIDC sign-in is on from any source: config.oidc.clientID, config.oidc.externalSecret,
Headlamp's OIDC_CLIENT_ID in env, HEADLAMP_CONFIG_OIDC_CLIENT_ID in env, -oidc-client-id in
config.extraArgs.
*/}}
{{- define "lamplight.oidcAny" -}}
{{- $on := or (include "lamplight.oidcOn" .) (include "lamplight.headlampOidcMode" .) }}
{{- range .Values.config.extraArgs }}
{{- if regexMatch "^--?oidc-client-id=.+$" (toString .) }}
{{- $on = true }}
{{- end }}
{{- end }}
{{- range .Values.env }}
{{- if and (eq (toString .name) "HEADLAMP_CONFIG_OIDC_CLIENT_ID") (or .value .valueFrom) }}
{{- $on = true }}
{{- end }}
{{- end }}
{{- if $on }}true{{ end }}
{{- end }}

{{/*
"true" when the chart supplies the cookie secret (HEADLAMP_CONFIG_OIDC_COOKIE_SECRET from its
Secret, or from config.oidc.existingSecret): OIDC is on and no cookie secret comes from env or
config.extraArgs. Lamplight needs one shared by every replica; Headlamp has none to port.
*/}}
{{- define "lamplight.chartCookieSecret" -}}
{{- if and (include "lamplight.oidcAny" .) (not (include "lamplight.cookieSecretElsewhere" .)) }}true{{ end }}
{{- end }}

{{/* The OIDC arguments for Headlamp-style OIDC (env or externalSecret), as Headlamp's chart passes them. */}}
{{- define "lamplight.headlampOidcArgs" -}}
{{- $mode := include "lamplight.headlampOidcMode" . }}
{{- $env := include "lamplight.headlampOidcEnv" . | fromJson }}
{{- if and $mode (not (include "lamplight.oidcOn" .)) }}
- "-oidc-client-id=$(OIDC_CLIENT_ID)"
{{- if or (eq $mode "external") (hasKey $env "OIDC_ISSUER_URL") }}
- "-oidc-idp-issuer-url=$(OIDC_ISSUER_URL)"
{{- end }}
{{- if or (hasKey $env "OIDC_SCOPES") (and (eq $mode "external") (dig "externalSecret" "hasScopes" false .Values.config.oidc)) }}
- "-oidc-scopes=$(OIDC_SCOPES)"
{{- end }}
{{- if hasKey $env "OIDC_CALLBACK_URL" }}
- "-oidc-callback-url=$(OIDC_CALLBACK_URL)"
{{- end }}
{{- if hasKey $env "OIDC_VALIDATOR_CLIENT_ID" }}
- "-oidc-validator-client-id=$(OIDC_VALIDATOR_CLIENT_ID)"
{{- end }}
{{- if hasKey $env "OIDC_VALIDATOR_ISSUER_URL" }}
- "-oidc-validator-idp-issuer-url=$(OIDC_VALIDATOR_ISSUER_URL)"
{{- end }}
{{- if hasKey $env "OIDC_USE_ACCESS_TOKEN" }}
- "-oidc-use-access-token=$(OIDC_USE_ACCESS_TOKEN)"
{{- end }}
{{- if hasKey $env "OIDC_USE_PKCE" }}
- "-oidc-use-pkce=$(OIDC_USE_PKCE)"
{{- end }}
- {{ printf "-oidc-logout=%t" .Values.config.oidc.logout | quote }}
- {{ printf "-session-ttl=%d" (int .Values.config.sessionTTL) | quote }}
{{- end }}
{{- end }}

{{/* Render-time refusals of Headlamp values, each naming the value and what to use instead. */}}
{{- define "lamplight.headlampValidate" -}}
{{- $image := printf "%s/%s" (.Values.image.registry | default "") (.Values.image.repository | default "") }}
{{- if contains "headlamp-k8s/headlamp" $image }}
{{- fail (printf "\n\nimage.repository=%s (image.registry=%s) is Headlamp's image: it would run Headlamp, not Lamplight, with flags it does not know.\nRemove `image` from your values (the chart's default is Lamplight's) or set image.registry / image.repository to your Lamplight image." .Values.image.repository (.Values.image.registry | default "\"\"")) }}
{{- end }}
{{- if (dig "clusterInventory" "enabled" false .Values.config) }}
{{- fail "\n\nconfig.clusterInventory.enabled=true: Lamplight has no Cluster Inventory (ClusterProfile) discovery.\nGive the other clusters as a kubeconfig instead: a Secret in `volumes` / `volumeMounts` and `-kubeconfig=/path/to/kubeconfig` in config.extraArgs (every context becomes a cluster)." }}
{{- end }}
{{- with (dig "serviceAccountTokenPath" "" .Values.config) }}
{{- fail (printf "\n\nconfig.serviceAccountTokenPath=%s: Lamplight reads the in-cluster token only from the standard path (/var/run/secrets/kubernetes.io/serviceaccount/token, re-read as it rotates) and has no -service-account-token-path.\nRemove it and mount the token there (automountServiceAccountToken=true, or a projected volume at that path in volumes / volumeMounts)." .) }}
{{- end }}
{{- range (include "lamplight.extraArgsSplit" . | fromJson).refused }}
{{- fail (printf "\n\n%s in config.extraArgs: Lamplight reads the in-cluster token only from the standard path and refuses -service-account-token-path (ignoring it would lend another service account than the one you chose).\nRemove it and mount that account's token at /var/run/secrets/kubernetes.io/serviceaccount/token." .) }}
{{- end }}
{{- $oidcEnv := include "lamplight.headlampOidcEnv" . | fromJson }}
{{- $mode := include "lamplight.headlampOidcMode" . }}
{{- if and $mode (include "lamplight.oidcOn" .) }}
{{- fail (printf "\n\nOIDC is configured twice: config.oidc.clientID and %s. Keep one (config.oidc.* is the chart's own way)." (ternary "config.oidc.externalSecret.enabled" "OIDC_CLIENT_ID in env" (eq $mode "external"))) }}
{{- end }}
{{- if and (eq $mode "external") (not (dig "externalSecret" "name" "" .Values.config.oidc)) }}
{{- fail "\n\nconfig.oidc.externalSecret.enabled=true but config.oidc.externalSecret.name is empty: name the Secret holding OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_ISSUER_URL." }}
{{- end }}
{{- if and (eq $mode "env") (not (hasKey $oidcEnv "OIDC_ISSUER_URL")) }}
{{- fail "\n\nOIDC_CLIENT_ID is set in env (Headlamp's way of configuring OIDC) but OIDC_ISSUER_URL is not: both are needed. Add OIDC_ISSUER_URL to env, or use config.oidc.clientID / config.oidc.issuerURL." }}
{{- end }}
{{- if and (hasKey $oidcEnv "OIDC_CLIENT_ID") (eq $mode "external") }}
{{- fail "\n\nOIDC_CLIENT_ID in env is Headlamp's OIDC setting, but config.oidc.externalSecret is also enabled: keep one." }}
{{- end }}
{{- end }}

{{/* Headlamp values that are accepted but do nothing in Lamplight, one warning per line, for NOTES. */}}
{{- define "lamplight.headlampWarnings" -}}
{{- $c := .Values.config }}
{{- $oidc := .Values.config.oidc }}
{{- if (dig "enableHelm" false $c) }}
- config.enableHelm=true: passed as -enable-helm, which Lamplight ignores: it has no Helm release management.
{{- end }}
{{- if (dig "watchPlugins" false $c) }}
- config.watchPlugins=true: passed as -watch-plugins-changes, which Lamplight ignores: GET /plugins reads the plugin folders on every request.
{{- end }}
{{- if (dig "useCookie" false $oidc) }}
- config.oidc.useCookie=true: passed as -oidc-use-cookie, which Lamplight ignores: it always keeps the OIDC session in sealed HttpOnly cookies.
{{- end }}
{{- with (dig "meUserInfoURL" "" $oidc) }}
- config.oidc.meUserInfoURL={{ . }}: passed as -me-user-info-url, which Lamplight ignores: its /me answers from the verified identity (the ID token's claims, -me-username-path, -me-email-path, -me-groups-path).
{{- end }}
{{- with (get (include "lamplight.headlampOidcEnv" . | fromJson) "ME_USER_INFO_URL") }}
- ME_USER_INFO_URL={{ . }} in env: passed as -me-user-info-url, which Lamplight ignores (see config.oidc.meUserInfoURL).
{{- end }}
{{- if and (include "lamplight.oidcOn" .) (hasKey $oidc "secret") (not (dig "secret" "create" true $oidc)) (not $oidc.existingSecret) }}
- config.oidc.secret.create=false: the chart creates its Secret {{ include "lamplight.oidcSecretName" . }} anyway: Lamplight keeps the client secret out of the pod spec and needs a cookie secret shared by every replica. Use config.oidc.existingSecret for a Secret of your own.
{{- end }}
{{- if and (include "lamplight.oidcAny" .) (not .Values.config.oidc.usePKCE) }}
- config.oidc.usePKCE=false (Headlamp's default) turns PKCE off. Lamplight's default is true: set it unless your identity provider refuses PKCE.
{{- end }}
{{- if (dig "enabled" false (.Values.pluginsManager | default dict)) }}
- pluginsManager.enabled=true is ignored: the chart adds no plugin-manager sidecar (it would download plugins from npm at run time). Put the plugins in a volume mounted at config.pluginsDir (volumes / volumeMounts).
{{- end }}
{{- range (include "lamplight.extraArgsSplit" . | fromJson).warned }}
- {{ . }} in config.extraArgs is a Headlamp flag Lamplight accepts and ignores (it logs why at start-up).
{{- end }}
{{- if eq .Values.clusterRoleBinding.clusterRoleName "cluster-admin" }}
- clusterRoleBinding.clusterRoleName=cluster-admin (Headlamp's default) gives the service account full control of the cluster, and with it every request that falls back to it. Lamplight's default is a read-only role without Secrets: remove the value unless you mean it.
{{- end }}
{{- end }}
