//! Lamplight's test harness: the app on port 0, the fake API server, kubeconfigs, PKI, raw HTTP.
