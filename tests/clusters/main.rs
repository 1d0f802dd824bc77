//! Loading clusters from kubeconfig and in-cluster settings, and the credentials they carry.

mod credentials;
mod kubeconfig;
