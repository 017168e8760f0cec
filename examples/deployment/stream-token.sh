#!/bin/sh
# The team's backend, for a signed-in user: exchanges the user's JWT from the identity provider
# for a short-lived access token, which the page passes to EventSource and WebSocket
# (?access_token=…). The access token keeps the JWT's owner and scope.
#   BASE_URL=https://jobs.example.com USER_JWT=<jwt> sh examples/deployment/stream-token.sh
curl --fail-with-body -sS -X POST "${BASE_URL:-http://127.0.0.1:8000}/auth/token" \
  -H "Authorization: Bearer ${USER_JWT}"
