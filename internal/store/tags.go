package store

import (
	"context"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// MaxTagsPerResource is how many tags one resource may carry.
const MaxTagsPerResource = 20

// TagResource is one tag of one resource (ListTagResources).
type TagResource struct {
	ResourceID string
	Kind       Kind
	Key        string
	Value      string
}

// TagStore tags records of the taggable kinds (KindVpc to
// KindVpnConnection). A route table is tagged under
// its own id (vtb-...), which its VPC holds.
type TagStore interface {
	// TagResources adds tags to every record of ids (all of kind, in the
	// scope), in one transaction: a tag whose key the record has replaces
	// its value in place, a new key is appended. *NotFoundError{Kind: kind}
	// when a record is not in the scope; *LimitError{Rule:
	// RuleTagsPerResource} when a record would carry more than
	// MaxTagsPerResource tags.
	TagResources(ctx context.Context, s Scope, kind Kind, ids []string, tags []vpn.Tag) error
	// UntagResources removes the tags with the given keys (all of them when
	// all is set) from every record of ids, in one transaction; keys a
	// record does not carry are ignored. *NotFoundError as TagResources.
	UntagResources(ctx context.Context, s Scope, kind Kind, ids []string, keys []string, all bool) error
	// ListTagResources returns the tags of the scope's records of kind, in
	// (resource id, tag order) order: those of ids when ids is not empty,
	// only records carrying every tag of match (a tag with Value "" matches
	// any value of its key) when match is not empty, skipping offset
	// entries and returning at most limit; more reports whether entries
	// follow. Unknown ids are skipped.
	ListTagResources(ctx context.Context, s Scope, kind Kind, ids []string, match []vpn.Tag, offset, limit int) (tags []TagResource, more bool, err error)
}
