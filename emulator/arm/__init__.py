"""The ARM front: identity (token endpoint, metadata), subscriptions, registries, replications and their
long-running operations over HTTPS on 127.0.0.1, answering as ARM does (see shared/ARM-FACTS.md).
Imports state/ and json_handler only; never dataplane/ or the harness."""
