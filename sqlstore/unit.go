package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

const unitColumns = `id, COALESCE(parent_id, 0), name_en, name_ko, name_zh, time_zone, path, depth, created, updated`

func scanUnit(row interface{ Scan(...any) error }) (*kinbridge.Unit, error) {
	var u kinbridge.Unit
	err := row.Scan(&u.ID, &u.ParentID, &u.Names.EN, &u.Names.KO, &u.Names.ZH, &u.TimeZone, &u.Path, &u.Depth,
		scanTime{&u.Created}, scanTime{&u.Updated})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// SubtreeEnd returns the exclusive upper bound of the paths of the subtree
// at prefix: the prefix with its final "/" replaced by "0", the byte after
// "/". Every path that starts with the prefix sorts in [prefix, end), so
// one index range answers a subtree, on any engine, without LIKE.
func SubtreeEnd(prefix string) string {
	if !strings.HasSuffix(prefix, "/") {
		return prefix + "0" // not a unit path; selects prefix itself and longer
	}
	return prefix[:len(prefix)-1] + "0"
}

// FindUnitByID returns the unit with the given ID.
func (tx *Tx) FindUnitByID(ctx context.Context, id int64) (*kinbridge.Unit, error) {
	u, err := findUnitByID(ctx, tx, id)
	return u, err
}

func findUnitByID(ctx context.Context, tx *Tx, id int64) (*kinbridge.Unit, error) {
	u, err := scanUnit(tx.queryRow(ctx, "SELECT "+unitColumns+" FROM units WHERE id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find unit", "unit")
	}
	return u, nil
}

// FindUnits returns the units f selects, in tree order (by path).
func (tx *Tx) FindUnits(ctx context.Context, f kinbridge.UnitFilter) ([]*kinbridge.Unit, error) {
	var where []string
	var args []any
	if f.ID != 0 {
		where, args = append(where, "id = ?"), append(args, f.ID)
	}
	if f.ParentID != 0 {
		where, args = append(where, "parent_id = ?"), append(args, f.ParentID)
	}
	if f.PathPrefix != "" {
		where, args = append(where, "path >= ? AND path < ?"), append(args, f.PathPrefix, SubtreeEnd(f.PathPrefix))
	}
	if f.Path != "" {
		where, args = append(where, "path = ?"), append(args, f.Path)
	}
	if f.Depth > 0 {
		// units_depth_path answers a level of a subtree as one range.
		where, args = append(where, "depth = ?"), append(args, f.Depth)
	}
	q := "SELECT " + unitColumns + " FROM units" + whereClause(where) + " ORDER BY path"
	if f.Limit > 0 {
		q, args = q+" LIMIT ?", append(args, f.Limit)
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find units", "unit")
	}
	defer rows.Close()
	units := []*kinbridge.Unit{}
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, fmt.Errorf("find units: %w", err)
		}
		units = append(units, u)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find units", "unit")
	}
	return units, nil
}

// CreateUnit inserts the unit under u.ParentID (0: a root) and sets its ID,
// Path, Depth and times.
func (tx *Tx) CreateUnit(ctx context.Context, u *kinbridge.Unit) error {
	if err := tx.lockTree(ctx, "create unit"); err != nil {
		return err
	}
	parentPath, depth := "/", 0
	if u.ParentID != 0 {
		parent, err := findUnitByID(ctx, tx, u.ParentID)
		if kinbridge.ErrorCode(err) == kinbridge.ENOTFOUND {
			return kinbridge.FieldError("parent_id", "error.unit.parent_unknown", "No such parent unit.")
		} else if err != nil {
			return err
		}
		parentPath, depth = parent.Path, parent.Depth+1
	}
	// The path holds the unit's own ID, known only after the insert: the row
	// is inserted without one and given it at once, in the same transaction.
	err := tx.queryRow(ctx, `
		INSERT INTO units (parent_id, name_en, name_ko, name_zh, time_zone, depth, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		nullID(u.ParentID), u.Names.EN, u.Names.KO, u.Names.ZH, u.TimeZone, depth, tx.now, tx.now,
	).Scan(&u.ID)
	if err != nil {
		return tx.store.mapError(err, "create unit", "unit")
	}
	path := parentPath + strconv.FormatInt(u.ID, 10) + "/"
	if err := tx.execOne(ctx, "unit", "create unit", "UPDATE units SET path = ? WHERE id = ?", path, u.ID); err != nil {
		return err
	}
	u.Path, u.Depth, u.Created, u.Updated = path, depth, tx.now, tx.now
	return nil
}

// UpdateUnit stores the unit's names and time zone.
func (tx *Tx) UpdateUnit(ctx context.Context, u *kinbridge.Unit) error {
	err := tx.execOne(ctx, "unit", "update unit",
		"UPDATE units SET name_en = ?, name_ko = ?, name_zh = ?, time_zone = ?, updated = ? WHERE id = ?",
		u.Names.EN, u.Names.KO, u.Names.ZH, u.TimeZone, tx.now, u.ID)
	if err != nil {
		return err
	}
	u.Updated = tx.now
	return nil
}

// MoveUnit puts u under newParent, rewriting the path and depth of every
// unit of its subtree in one UPDATE over the subtree's path range. Both
// units are read again under the tree lock, so that a move that committed
// since the caller read them is taken into account; a move that would now
// make a cycle is refused.
func (tx *Tx) MoveUnit(ctx context.Context, u *kinbridge.Unit, newParent *kinbridge.Unit) error {
	if err := tx.lockTree(ctx, "move unit"); err != nil {
		return err
	}
	cur, err := findUnitByID(ctx, tx, u.ID)
	if err != nil {
		return err
	}
	parent, err := findUnitByID(ctx, tx, newParent.ID)
	if kinbridge.ErrorCode(err) == kinbridge.ENOTFOUND {
		return kinbridge.FieldError("parent_id", "error.unit.parent_unknown", "No such parent unit.")
	} else if err != nil {
		return err
	}
	if cur.IsAncestorOf(parent) {
		return kinbridge.FieldError("parent_id", "error.unit.cycle", "A unit cannot be moved under itself or its own subtree.")
	}
	oldPath := cur.Path
	newPath := parent.Path + strconv.FormatInt(u.ID, 10) + "/"
	newDepth := parent.Depth + 1
	// The directives' roll-up counters of the subtree's assignments move
	// with it, in this transaction.
	if err := tx.moveCounts(ctx, oldPath, newPath); err != nil {
		return err
	}
	// substr is 1-based on both engines: the part of each path below the
	// moved unit starts at len(oldPath)+1.
	res, err := tx.exec(ctx, `
		UPDATE units SET
			path = ? || substr(path, ?),
			depth = depth + ?,
			parent_id = CASE WHEN id = ? THEN ? ELSE parent_id END,
			updated = ?
		WHERE path >= ? AND path < ?`,
		newPath, len(oldPath)+1, newDepth-cur.Depth, u.ID, parent.ID, tx.now, oldPath, SubtreeEnd(oldPath))
	if err != nil {
		return tx.store.mapError(err, "move unit", "unit")
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("move unit: %w", err)
	} else if n == 0 {
		return notFound("unit")
	}
	u.ParentID, u.Path, u.Depth, u.Updated = parent.ID, newPath, newDepth, tx.now
	return nil
}

func (tx *Tx) lockTree(ctx context.Context, op string) error {
	if tx.store.dialect.LockTree == "" {
		return nil
	}
	if _, err := tx.exec(ctx, tx.store.dialect.LockTree); err != nil {
		return tx.store.mapError(err, op+": lock unit tree", "unit")
	}
	return nil
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// pageTotal returns how many rows a paged read selects in all, having read
// n rows from offset with at most limit: a page that is not full, and not
// past the end, tells it (offset + n); only a full page, or an empty one
// past the end, asks count.
func pageTotal(offset, limit, n int, count func() (int, error)) (int, error) {
	if n < limit && (n > 0 || offset == 0) {
		return offset + n, nil
	}
	return count()
}
