package sqlcore

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statements kept prepared on the write pool.
// The write paths use a fixed set of statement texts; a text beyond the
// bound (a dynamically built one) is run unprepared as before.
const maxCachedStmts = 256

// stmtCache keeps the write transactions' statements prepared on the
// write pool (Dialect.ReuseWriteStatements). database/sql binds a prepared
// statement to each connection it was prepared on and reuses it there
// (Tx.StmtContext), so on SQLite's single write connection a statement is
// compiled once instead of on every call: preparation was about a quarter
// of a CreateVpnConnection transaction's CPU (docs/PERFORMANCE.md).
type stmtCache struct {
	db *sql.DB
	// immediate prepares on first use (a pool whose connections no
	// transaction of this engine holds while asking: the read pool).
	immediate bool
	mu        sync.Mutex
	m         map[string]*sql.Stmt
	noted     map[string]bool // texts to prepare after the current transaction
}

// get returns the prepared statement of text, or nil when it is not
// prepared yet: then text is noted, to be prepared by prepareNoted once the
// transaction that asked has ended (inside it the pool's only SQLite write
// connection is taken, and preparing on the pool would wait for itself).
func (c *stmtCache) get(text string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[text]; ok {
		return s
	}
	if c.immediate {
		if len(c.m) >= maxCachedStmts {
			return nil
		}
		// Prepared without holding c.mu (it may wait for a connection);
		// a concurrent preparation of the same text is closed again.
		c.mu.Unlock()
		s, err := c.db.Prepare(text)
		c.mu.Lock()
		if err != nil {
			return nil
		}
		if old, dup := c.m[text]; dup {
			s.Close()
			return old
		}
		if c.m == nil {
			c.m = map[string]*sql.Stmt{}
		}
		c.m[text] = s
		return s
	}
	if len(c.m)+len(c.noted) < maxCachedStmts {
		if c.noted == nil {
			c.noted = map[string]bool{}
		}
		c.noted[text] = true
	}
	return nil
}

// prepareNoted prepares the noted texts on the write pool. A text that
// fails to prepare stays unprepared (it runs directly, which reports its
// error where it belongs) and may be noted again.
func (c *stmtCache) prepareNoted(ctx context.Context) {
	c.mu.Lock()
	noted := c.noted
	c.noted = nil
	c.mu.Unlock()
	for text := range noted {
		s, err := c.db.PrepareContext(ctx, text)
		c.mu.Lock()
		if c.m == nil {
			c.m = map[string]*sql.Stmt{}
		}
		if err == nil {
			if _, dup := c.m[text]; dup {
				s.Close()
			} else {
				c.m[text] = s
			}
		}
		c.mu.Unlock()
	}
}

// close closes every cached statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		s.Close()
	}
	c.m = nil
}
