-- wrk script: one realistic submission per call.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"service_code":"VNP-STAVATLAUJA","values":{"plate":"KL-4321","address":"Rīgas iela 10, Valmiera","zone":"b"},"contact":{"name":"Bench Requester","email":"bench@example.lv"},"language":"lv"}'
