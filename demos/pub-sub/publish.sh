#!/bin/sh
# Publishes one message to chat:lobby over HTTP, as a backend would: every WebSocket
# subscriber of the topic receives it like a client's publish.
#   BASE_URL=http://127.0.0.1:8000 API_KEY=<key> sh demos/pub-sub/publish.sh
curl --fail-with-body -sS -X POST "${BASE_URL:-http://127.0.0.1:8000}/topics/chat:lobby/messages" \
  -H "Authorization: Bearer ${API_KEY}" \
  -H 'Content-Type: application/json' \
  -d '{"data": {"text": "deploy finished", "by": "ci"}}'
