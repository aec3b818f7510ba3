package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/postgres"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlite"
)

// env is an opened store with its keyring.
type env struct {
	store    store.Store
	shared   store.NonceStore // set for a shared database (multi-node)
	keys     *secret.Keyring
	describe string
}

// Database is a parsed --database flag.
type Database struct {
	Kind     string // "sqlite" or "postgres"
	Target   string // file path or DSN
	Describe string // for output and logs: never a password
}

// ParseDatabase resolves --data-dir and --database ("" = SQLite in the data
// dir, sqlite:PATH, postgres://...). Errors are UsageErrors and never repeat
// a password.
func ParseDatabase(dataDir, database string) (Database, error) {
	switch d := database; {
	case d == "":
		p := filepath.Join(dataDir, "vpcvpn.db")
		return Database{Kind: "sqlite", Target: p, Describe: "sqlite:" + p}, nil
	case strings.HasPrefix(d, "sqlite:"):
		p := strings.TrimPrefix(d, "sqlite:")
		if p == "" {
			return Database{}, UsageError{errors.New("--database sqlite: needs a path, e.g. sqlite:/var/lib/vpcvpn/vpcvpn.db")}
		}
		return Database{Kind: "sqlite", Target: p, Describe: "sqlite:" + p}, nil
	case strings.HasPrefix(d, "postgres://"), strings.HasPrefix(d, "postgresql://"):
		u, err := url.Parse(d)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // without the URL, which may hold a password
			}
			return Database{}, UsageError{fmt.Errorf("--database: not a valid URL: %v", err)}
		}
		return Database{Kind: "postgres", Target: d, Describe: u.Redacted()}, nil
	}
	kind, _, _ := strings.Cut(database, ":") // not the rest: it may hold a password
	return Database{}, UsageError{fmt.Errorf("--database %q...: use sqlite:PATH or postgres://user@host:5432/db", kind)}
}

// openEnv prepares the data dir, loads or creates the master key and opens the
// store selected by database ("" = SQLite in the data dir).
func openEnv(ctx context.Context, dataDir, database, masterKeyFile string, log *slog.Logger) (*env, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", dataDir, err)
	}
	if err := checkDataDir(dataDir, log); err != nil {
		return nil, err
	}
	db, err := ParseDatabase(dataDir, database)
	if err != nil {
		return nil, err
	}
	kind, target := db.Kind, db.Target
	fresh := false
	if kind == "sqlite" {
		if _, err := os.Stat(target); errors.Is(err, os.ErrNotExist) {
			fresh = true
		}
	}
	keys, err := loadMasterKey(dataDir, masterKeyFile, fresh || kind == "postgres", log)
	if err != nil {
		return nil, err
	}
	if fresh {
		// The database holds sealed secrets and everything else of the
		// tenants: readable by the server's user only (SQLite gives its
		// -wal and -shm files the same mode).
		f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create database %s: %w", target, err)
		}
		f.Close()
	}
	e := &env{keys: keys}
	switch kind {
	case "sqlite":
		db, err := sqlite.Open(ctx, target, keys)
		if err != nil {
			return nil, fmt.Errorf("open SQLite database %s: %w", target, err)
		}
		e.store, e.describe = db, "sqlite:"+target
	case "postgres":
		db, err := postgres.Open(ctx, target, keys)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL database: %w (check that the server runs and the URL is right)", err)
		}
		e.store, e.shared, e.describe = db, db, "postgres"
	}
	return e, nil
}

// checkDataDir refuses a data dir that any user may write to: another
// user could plant files in it (a symlink named like the root key file, a
// forged key file, a database of its own). One that its group may write is
// accepted with a warning.
func checkDataDir(dir string, log *slog.Logger) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data dir %s: %w", dir, err)
	}
	switch perm := fi.Mode().Perm(); {
	case perm&0o002 != 0:
		return UsageError{fmt.Errorf("data dir %s is writable by every user (mode %04o): another user could plant files in it; use a directory of the server's user (chmod o-w,g-w %s) or another --data-dir", dir, perm, dir)}
	case perm&0o020 != 0:
		log.Warn("data dir is writable by its group: its members could plant files in it; chmod g-w it unless that is intended", "data_dir", dir, "mode", fmt.Sprintf("%04o", perm))
	}
	return nil
}

// loadMasterKey loads the master key from file, or from <dataDir>/master.key,
// generating that file when mayCreate (a new store) and it does not exist.
func loadMasterKey(dataDir, file string, mayCreate bool, log *slog.Logger) (*secret.Keyring, error) {
	path := file
	if path == "" {
		path = filepath.Join(dataDir, "master.key")
	}
	// The file is a keyring (primary key first, older keys after a
	// rotation); the keyring follows changes `vpcvpn rotate-master-key`
	// makes to it while the server runs.
	keys, err := secret.LoadKeyringFile(path)
	if errors.Is(err, os.ErrNotExist) && file == "" && mayCreate {
		key, err := secret.GenerateKey()
		if err != nil {
			return nil, err
		}
		if err := secret.WriteKeyFile(path, key); err != nil {
			return nil, fmt.Errorf("write master key %s: %w", path, err)
		}
		log.Warn("generated a new master key: BACK IT UP. Without it the store's pre-shared keys and AccessKey secrets cannot be opened.", "path", path)
		return secret.LoadKeyringFile(path)
	} else if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("master key %s is missing but the store already holds sealed secrets; restore the key from your backup or pass --master-key-file", path)
	}
	return keys, err
}

// checkMasterKey opens one sealed secret to prove the master key is the
// store's: a wrong key stops the server at start rather than failing every
// request.
func (e *env) checkMasterKey(ctx context.Context) error {
	accounts, err := e.store.ListAccounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		keys, err := e.store.ListAccessKeys(ctx, a.AccountID, "")
		if err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := e.store.GetAccessKey(ctx, k.AccessKeyID); err != nil {
				if errors.Is(err, secret.ErrOpen) {
					return fmt.Errorf("the master key does not open this store's secrets (wrong --master-key-file or master.key?): %w", err)
				}
				return err
			}
			return nil
		}
	}
	return nil
}

// OpenStore opens the store selected by dataDir/database with its master key,
// for operator commands that work on the store directly (no HTTP server).
// A new SQLite store gets a new master key, as on the server's first start.
// The caller closes the store.
func OpenStore(ctx context.Context, dataDir, database, masterKeyFile string, log *slog.Logger) (store.Store, error) {
	e, err := openEnv(ctx, dataDir, database, masterKeyFile, log)
	if err != nil {
		return nil, err
	}
	if err := e.checkMasterKey(ctx); err != nil {
		e.store.Close()
		return nil, err
	}
	return e.store, nil
}
