"""HTTP plumbing below the routes: plain ASGI middlewares (request body limits, security
headers) and the HTTP/1.1 protocol uvicorn serves with (limits on request heads and
timeouts). Nothing here knows a domain; the API says which routes take which bodies."""
