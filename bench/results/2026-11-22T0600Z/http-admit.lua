wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"action":"message","ip":"192.0.2.7"}'
