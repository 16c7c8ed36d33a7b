wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"action":"login","ip":"192.0.2.7"}'
