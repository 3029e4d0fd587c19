"""HTTP plumbing below the routes: plain ASGI middlewares (request body limits, security
headers, JSON compression), content negotiation and codings, and the HTTP/1.1 protocol
uvicorn serves with (limits on request heads and timeouts). Nothing here knows a domain;
the API says which routes take which bodies."""
