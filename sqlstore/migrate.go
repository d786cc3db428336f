package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"
	"time"
)

// MigrationNames lists the .sql files at the root of migrations in the order
// they apply: by name, which starts with a zero-padded number.
func MigrationNames(migrations fs.FS) ([]string, error) {
	names, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

// Migrate applies the migrations that have not been applied yet, each in a
// transaction of its own, and returns their names. It is idempotent and safe
// to run from two processes at once. Migrations only go forward: a database
// that has a migration this program does not know is from a newer version,
// and is refused.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	d := s.dialect
	if d.Migrations == nil {
		return nil, errors.New("migrate: the dialect has no migrations")
	}
	names, err := MigrationNames(d.Migrations)
	if err != nil {
		return nil, err
	}
	if _, err := s.write.ExecContext(ctx, d.MigrationsTable); err != nil {
		return nil, fmt.Errorf("migrate: create migrations table: %w", err)
	}
	if err := s.checkKnownMigrations(ctx, names); err != nil {
		return nil, err
	}
	for _, name := range names {
		ok, err := s.applyMigration(ctx, name)
		if err != nil {
			return applied, err
		}
		if ok {
			applied = append(applied, name)
		}
	}
	return applied, nil
}

// checkKnownMigrations refuses a database migrated by a newer kinbridge.
func (s *Store) checkKnownMigrations(ctx context.Context, names []string) error {
	known := make(map[string]bool, len(names))
	for _, n := range names {
		known[n] = true
	}
	rows, err := s.write.QueryContext(ctx, "SELECT name FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("migrate: read applied migrations: %w", err)
	}
	defer rows.Close()
	var unknown []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("migrate: read applied migrations: %w", err)
		}
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: read applied migrations: %w", err)
	}
	if len(unknown) > 0 {
		return fmt.Errorf("migrate: the database has migrations this program does not know (%s): "+
			"it was used by a newer version of kinbridge; run that version", strings.Join(unknown, ", "))
	}
	return nil
}

// migrationSlow is how long a migration runs before it is logged.
const migrationSlow = 2 * time.Second

// applyMigration applies one migration unless it has been applied already,
// which it checks inside the transaction, after taking the migration lock.
func (s *Store) applyMigration(ctx context.Context, name string) (bool, error) {
	body, err := fs.ReadFile(s.dialect.Migrations, path.Clean(name))
	if err != nil {
		return false, fmt.Errorf("migrate %s: %w", name, err)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate %s: begin: %w", name, err)
	}
	defer tx.Rollback()
	if s.dialect.MigrationLock != "" {
		if _, err := tx.ExecContext(ctx, s.dialect.MigrationLock); err != nil {
			return false, fmt.Errorf("migrate %s: lock: %w", name, err)
		}
	}
	var n int
	err = tx.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM schema_migrations WHERE name = ?"), name).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("migrate %s: %w", name, err)
	} else if n > 0 {
		return false, nil
	}
	// A migration that rewrites a large table runs for a while, at the
	// start of whatever opened the database: say so, rather than seem hung.
	start := time.Now()
	slow := time.AfterFunc(migrationSlow, func() {
		slog.Info("applying migration; on a large database this takes a while", "migration", name)
	})
	_, err = tx.ExecContext(ctx, string(body))
	if !slow.Stop() && err == nil {
		slog.Info("applied migration", "migration", name, "took", time.Since(start).Round(time.Millisecond))
	}
	if err != nil {
		return false, fmt.Errorf("migrate %s: %w", name, err)
	}
	_, err = tx.ExecContext(ctx, s.rebind("INSERT INTO schema_migrations (name, applied) VALUES (?, ?)"),
		name, s.dialect.EncodeTime(s.now()))
	if err != nil {
		return false, fmt.Errorf("migrate %s: record: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate %s: commit: %w", name, err)
	}
	return true, nil
}
