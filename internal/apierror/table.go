package apierror

import "net/http"

// Table is THE wire-error table: code -> {HTTP status, default message}.
// It is assembled from per-product parts (kept in separate files so that the
// parts can grow independently) and checked for duplicates and completeness by
// TestTable.
var Table = merge(commonCodes, vpcCodes, vpcFamilyCodes, ramCodes)

func merge(parts ...map[string]Entry) map[string]Entry {
	out := map[string]Entry{}
	for _, p := range parts {
		for k, v := range p {
			if _, dup := out[k]; dup {
				panic("apierror: duplicate code " + k)
			}
			out[k] = v
		}
	}
	return out
}

// Families are the codes that carry a parameter's name inside them, as
// Alibaba's do: pattern -> {status, default message}, where "*" stands for
// a name (letters, digits and dots). New, Newf and Invalid accept a code of
// a family; TestCodesInTable checks that every code the source builds from
// parts has the shape of one. A fixed code that Table also holds (e.g.
// InvalidParameter.UserName.Length) answers Table's row.
var Families = map[string]Entry{
	familyMissing: {s400, "{Name} is mandatory for this action."},
	"Invalid*.*":  {s400, "The specified parameter is not valid."},
}

// familyMissing is Missing{Name}'s family (built by Missing only).
const familyMissing = "Missing*"

const (
	s400 = http.StatusBadRequest
	s403 = http.StatusForbidden
	s404 = http.StatusNotFound
)

// commonCodes are the gateway-level codes every product shares.
var commonCodes = map[string]Entry{
	"MissingParameter":                           {s400, "A required parameter is missing."},
	"InvalidParameter":                           {s400, "The specified parameter is not valid."},
	"InvalidRegionId.NotFound":                   {s404, "The specified RegionId does not exist."},
	"InvalidAccessKeyId.NotFound":                {s404, "Specified access key is not found."},
	"InvalidAccessKeyId.Inactive":                {s400, "Specified access key is disabled."},
	"SignatureDoesNotMatch":                      {s400, "Specified signature is not matched with our calculation."},
	"IncompleteSignature":                        {s400, "The request signature does not conform to Aliyun standards."},
	"InvalidSignatureMethod":                     {s400, "Specified signature method is not supported."},
	"InvalidSignatureVersion":                    {s400, "Specified signature version is not supported."},
	"SignatureNonceUsed":                         {s400, "Specified signature nonce was used already."},
	"InvalidTimeStamp.Format":                    {s400, "Specified time stamp or date value is not well formatted."},
	"InvalidTimeStamp.Expired":                   {s400, "Specified time stamp or date value is expired."},
	"InvalidSecurityToken.Expired":               {s400, "Specified SecurityToken is expired."},
	"InvalidSecurityToken.Malformed":             {s400, "Specified SecurityToken is malformed."},
	"InvalidSecurityToken.MismatchWithAccessKey": {s400, "Specified SecurityToken mismatch with the AccessKey."},
	"UnsupportedHTTPMethod":                      {s400, "This http method is not supported."},
	"InvalidAction.NotFound":                     {s404, "Specified api is not found, please check your url and method."},
	"InvalidVersion":                             {s400, "Specified parameter Version is not valid."},
	"InvalidFormat":                              {s400, "Specified parameter Format is not valid."},
	"InvalidParameter.Encoding":                  {s400, "The request contains a parameter that is not valid UTF-8 or not correctly percent-encoded."},
	"InvalidParameter.Duplicate":                 {s400, "A parameter was given more than once with different values."},
	"InvalidParameter.TooLong":                   {s400, "A parameter value is too long."},
	"InvalidParameter.TooMany":                   {s400, "The request carries too many parameters."},
	"InvalidParameter.SignatureNonce":            {s400, "The signature nonce holds characters other than letters, digits and - _ . ~ + / =."},
	"RequestEntityTooLarge":                      {http.StatusRequestEntityTooLarge, "The request body is too large."},
	"RequestHeaderFieldsTooLarge":                {http.StatusRequestHeaderFieldsTooLarge, "The request headers are too large."},
	"InvalidPath":                                {s404, "The requested path does not exist; the API is served on /."},
	"Forbidden":                                  {s403, "User not authorized to operate on the specified resource."},
	"Forbbiden.SubUser":                          {s403, "User not authorized to operate on the specified resource as your account is created by another user."},
	"Forbidden.RAM":                              {s403, "User not authorized to operate on the specified resource, or this API doesn't support RAM."},
	"IdempotentParameterMismatch":                {s400, "The request uses the same client token as a previous, but non-identical request."},
	"Throttling":                                 {s400, "Request was denied due to request throttling."},
	"Throttling.User":                            {s400, "Request was denied due to user flow control."},
	"Throttling.Api":                             {s400, "Request was denied due to api flow control."},
	"InternalError":                              {http.StatusInternalServerError, "The request processing has failed due to some unknown error, exception or failure."},
	"ServiceUnavailable":                         {http.StatusServiceUnavailable, "The request has failed due to a temporary failure of the server."},
}
