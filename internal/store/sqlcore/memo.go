package sqlcore

import (
	"encoding/json"
	"sync"
)

// memoMax bounds each decode memo; a full memo is emptied and refilled.
const memoMax = 4096

// decodeMemo remembers the decoded value of JSON configuration columns.
// Many rows hold the same document (default phase-2 proposals, BGP off, no
// health check), and encoding/json's reflection was ~9% of a connection
// lookup on a large store. T must be a plain value (no slices, maps or
// pointers): callers get copies.
type decodeMemo[T any] struct {
	mu sync.RWMutex
	m  map[string]T
}

// decode unmarshals doc into *dst, from the memo when doc was seen.
func (d *decodeMemo[T]) decode(doc string, dst *T) error {
	d.mu.RLock()
	v, ok := d.m[doc]
	d.mu.RUnlock()
	if ok {
		*dst = v
		return nil
	}
	var fresh T
	if err := json.Unmarshal([]byte(doc), &fresh); err != nil {
		return err
	}
	*dst = fresh
	d.mu.Lock()
	if d.m == nil || len(d.m) >= memoMax {
		d.m = make(map[string]T, 64)
	}
	d.m[doc] = fresh
	d.mu.Unlock()
	return nil
}
