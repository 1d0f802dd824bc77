mod helpers;
mod proxy_auth;
mod routes;
