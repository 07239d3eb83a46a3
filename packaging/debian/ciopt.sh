#!/bin/sh
# /usr/bin/ciopt: ciopt from its own virtualenv, which the package's postinst made.
if [ ! -x /opt/ciopt/venv/bin/ciopt ]; then
    echo "ciopt: /opt/ciopt/venv is missing; run 'dpkg-reconfigure ciopt' as root to make it" >&2
    exit 1
fi
exec /opt/ciopt/venv/bin/ciopt "$@"
