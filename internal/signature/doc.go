// Package signature implements Alibaba Cloud's two request signature schemes
// exactly as the official SDKs compute them (see /work/shared/spec/WIRE.md):
//
//   - V1, the HMAC-SHA1 "RPC" signature (V1 SDK, aliyun CLI, V2 SDK with
//     SignatureAlgorithm "v2"): V1StringToSign, V1Sign, SignV1.
//   - V3, ACS3-HMAC-SHA256 (the V2 SDK's default): ParseV3Authorization,
//     V3CanonicalRequest, V3StringToSign, V3Sign, SignV3.
//
// The plain functions are the reference: simple, allocating, easy to read.
// A server verifies with a Verifier, which produces the same results with
// pooled buffers and per-secret cached HMAC state (no allocations per request
// instead of dozens; see BenchmarkVerifyV1 and BenchmarkVerifyV3).
//
// sdk_test.go cross-checks every function against the official SDKs' own
// signer functions for random parameters.
//
// Parameters are passed as an ordered list of decoded name/value pairs (query
// string and form body merged by the HTTP layer). Both schemes sort them by
// name in byte order; pairs with the same name keep their given order (the
// SDKs never send a name twice, so an HTTP layer may reject duplicates first).
// Empty values take part in both signatures (the V1 SDK sends an empty
// SignatureType).
//
// Errors from verification wrap ErrIncomplete (the request does not carry a
// well-formed signature: wire code IncompleteSignature) or ErrMismatch (well
// formed but wrong: SignatureDoesNotMatch). Error texts never contain secrets
// or the expected signature.
package signature
