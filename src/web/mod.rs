//! Routes and handlers: the site, the UI assets, the APIs.
