package apierror

import "net/http"

const s409 = http.StatusConflict

// ramCodes are the codes of the RAM (2015-05-01) and STS (2015-04-01)
// products. Codes and messages follow Alibaba's RAM and STS error pages; the
// messages keep RAM's own wording (including its capitals) where clients may
// match on it. Missing required parameters use Missing{Name} like every
// other product.
var ramCodes = map[string]Entry{
	// Parameter format (400).
	"InvalidParameter.UserName.InvalidChars":       {s400, `The parameter - "UserName" contains invalid chars.`},
	"InvalidParameter.UserName.Length":             {s400, `The parameter - "UserName" beyond the length limit.`},
	"InvalidParameter.NewUserName.InvalidChars":    {s400, `The parameter - "NewUserName" contains invalid chars.`},
	"InvalidParameter.NewUserName.Length":          {s400, `The parameter - "NewUserName" beyond the length limit.`},
	"InvalidParameter.DisplayName.InvalidChars":    {s400, `The parameter - "DisplayName" contains invalid chars.`},
	"InvalidParameter.DisplayName.Length":          {s400, `The parameter - "DisplayName" beyond the length limit.`},
	"InvalidParameter.NewDisplayName.InvalidChars": {s400, `The parameter - "NewDisplayName" contains invalid chars.`},
	"InvalidParameter.NewDisplayName.Length":       {s400, `The parameter - "NewDisplayName" beyond the length limit.`},
	"InvalidParameter.MobilePhone.Format":          {s400, `The format of the parameter - "MobilePhone" is incorrect.`},
	"InvalidParameter.NewMobilePhone.Format":       {s400, `The format of the parameter - "NewMobilePhone" is incorrect.`},
	"InvalidParameter.Email.Format":                {s400, `The format of the parameter - "Email" is incorrect.`},
	"InvalidParameter.NewEmail.Format":             {s400, `The format of the parameter - "NewEmail" is incorrect.`},
	"InvalidParameter.Comments.Length":             {s400, `The parameter - "Comments" beyond the length limit.`},
	"InvalidParameter.NewComments.Length":          {s400, `The parameter - "NewComments" beyond the length limit.`},
	"InvalidParameter.PolicyType":                  {s400, `The parameter - "PolicyType" is incorrect.`},
	"InvalidParameter.PolicyName.InvalidChars":     {s400, `The parameter - "PolicyName" contains invalid chars.`},
	"InvalidParameter.PolicyName.Length":           {s400, `The parameter - "PolicyName" beyond the length limit.`},
	"InvalidParameter.PolicyDocument.Length":       {s400, `The parameter - "PolicyDocument" beyond the length limit.`},
	"InvalidParameter.Description.Length":          {s400, `The parameter - "Description" beyond the length limit.`},
	"InvalidParameter.RoleName.InvalidChars":       {s400, `The parameter - "RoleName" contains invalid chars.`},
	"InvalidParameter.RoleName.Length":             {s400, `The parameter - "RoleName" beyond the length limit.`},
	"InvalidParameter.MaxSessionDuration":          {s400, `The parameter - "MaxSessionDuration" MUST be in the range of 3600 and 43200.`},
	"InvalidParameter.Status":                      {s400, `The parameter - "Status" MUST be Active or Inactive.`},
	"InvalidParameter.UserAccessKeyId":             {s400, `The parameter - "UserAccessKeyId" is incorrect.`},
	"InvalidParameter.SetAsDefault":                {s400, `The parameter - "SetAsDefault" MUST be true or false.`},
	"InvalidParameter.RotateStrategy":              {s400, `The parameter - "RotateStrategy" MUST be None or DeleteOldestNonDefaultVersionWhenLimitExceeded.`},
	"InvalidParameter.MaxItems":                    {s400, `The parameter - "MaxItems" MUST be in the range of 1 and 1000.`},
	"InvalidParameter.Marker":                      {s400, `The parameter - "Marker" is incorrect.`},
	"MalformedPolicyDocument":                      {s400, "The policy document is malformed."},

	// Permission (403).
	"NoPermission": {s403, "You are not authorized to do this action."},

	// Missing entities (404).
	"EntityNotExist.User":           {s404, "The user does not exist."},
	"EntityNotExist.User.AccessKey": {s404, "The user access key does not exist."},
	"EntityNotExist.User.Policy":    {s404, "The indicate policy of the user does not exist."},
	"EntityNotExist.Policy":         {s404, "The policy does not exist."},
	"EntityNotExist.Policy.Version": {s404, "The policy version does not exist."},
	"EntityNotExist.Role":           {s404, "The role does not exist."},
	"EntityNotExist.Role.Policy":    {s404, "The indicate policy of the role does not exist."},

	// Conflicts and limits (409).
	"EntityAlreadyExists.User":        {s409, "The user does already EXIST."},
	"EntityAlreadyExists.User.Policy": {s409, "The user has already been attached this policy."},
	"EntityAlreadyExists.Policy":      {s409, "The policy does already EXIST."},
	"EntityAlreadyExists.Role":        {s409, "The role does already EXIST."},
	"EntityAlreadyExists.Role.Policy": {s409, "The role has already been attached this policy."},
	"DeleteConflict.User.AccessKey":   {s409, "The user CAN NOT has any access key while deleting the user."},
	"DeleteConflict.User.Policy":      {s409, "The user CAN NOT has any attached policy while deleting the user."},
	"DeleteConflict.Policy.User":      {s409, "The policy CAN NOT been attached to any user while deleting the policy."},
	"DeleteConflict.Policy.Role":      {s409, "The policy CAN NOT been attached to any role while deleting the policy."},
	"DeleteConflict.Policy.Version":   {s409, "The policy CAN NOT has any version except the default version."},
	"DeleteConflict.Role.Policy":      {s409, "The role CAN NOT has any attached policy while deleting the role."},
	"LimitExceeded.User":              {s409, "The count of users beyond the current limits."},
	"LimitExceeded.User.AccessKey":    {s409, "The access key count of the user access keys beyond the current limits."},
	"QuotaExceeded.AccessKey":         {s409, "The account has reached its quota of AccessKeys."},
	"LimitExceeded.User.Policy":       {s409, "The policy count of the user attached policies beyond the current limits."},
	"LimitExceeded.Policy":            {s409, "The count of policy beyond the current limits."},
	"LimitExceeded.Policy.Version":    {s409, "The count of policy version beyond the current limits."},
	"LimitExceeded.Role":              {s409, "The count of roles beyond the current limits."},
	"LimitExceeded.Role.Policy":       {s409, "The count of policies attached to the role beyond the current limits."},

	// STS (2015-04-01).
	"InvalidParameter.RoleArn":         {s400, "The parameter RoleArn is wrongly formed."},
	"InvalidParameter.RoleSessionName": {s400, "The parameter RoleSessionName is wrongly formed."},
	"InvalidParameter.DurationSeconds": {s400, "The Min/Max value of DurationSeconds is 15min/the role's MaxSessionDuration."},
	"InvalidParameter.PolicyGrammar":   {s400, "The parameter Policy has not passed grammar check."},
	"InvalidParameter.PolicySize":      {s400, "The max size of policy string is 2048."},
	"InvalidParameter.ExternalId":      {s400, "The parameter ExternalId is wrongly formed."},
}
