#!/bin/sh
# The image's entrypoint. The first argument picks the role; any further arguments are passed on.
#   serve      the HTTP API with MCP at /mcp on :8000 (the default); with VAULTRA_MIGRATE_ON_START=1
#              it runs `vaultra db upgrade` first (one replica, or a dev box: with several, use the
#              migrate job, since concurrent upgrades race)
#   mcp        the standalone MCP server: Streamable HTTP, stateless, on :8765
#   scheduler  the job schedule (`vaultra jobs schedule`); jobs also take a PostgreSQL advisory lock,
#              so an accidental second scheduler records `skipped` instead of running a job twice
#   migrate    apply every database migration, then exit
#   anything else runs as given, e.g. `vaultra jobs run compute_metrics`
# `exec` hands PID 1 to the server, so SIGTERM from `docker stop` or Kubernetes reaches it.
set -eu

mode="${1:-serve}"
if [ "$#" -gt 0 ]; then
    shift
fi

case "$mode" in
    serve)
        if [ "${VAULTRA_MIGRATE_ON_START:-0}" = "1" ]; then
            vaultra db upgrade
        fi
        exec vaultra serve --host 0.0.0.0 --port 8000 "$@"
        ;;
    mcp)
        exec vaultra-mcp --transport http --host 0.0.0.0 --port 8765 --stateless "$@"
        ;;
    scheduler)
        exec vaultra jobs schedule "$@"
        ;;
    migrate)
        exec vaultra db upgrade "$@"
        ;;
    *)
        exec "$mode" "$@"
        ;;
esac
