package signature

import "time"

// Window is how far a signed request's timestamp may be from the server's
// clock (Alibaba Cloud's 15 minutes), and how long after its timestamp a
// request's nonce must be remembered. The API's authenticator (api.Window)
// and the nonce stores (PostgreSQL's restart floor, the memory store's
// api.NonceLifetime) derive theirs from this one value.
const Window = 15 * time.Minute
