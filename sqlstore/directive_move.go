package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// moveCounts moves the roll-up counters of the live assignments in the
// subtree at oldPath to its new place under newPath, in the transaction
// that moves the subtree: each assignment is counted out of its old
// ancestors and into its new ones (the units inside the subtree are on
// both paths and come out even). Called by MoveUnit before the paths
// change.
func (tx *Tx) moveCounts(ctx context.Context, oldPath, newPath string) error {
	rows, err := tx.query(ctx, `
		SELECT a.root_id, a.directive_id, a.state, a.cascaded, COALESCE(a.report_id, 0), u.path
		FROM assignments a JOIN units u ON u.id = a.unit_id
		WHERE a.live AND u.path >= ? AND u.path < ?`, oldPath, SubtreeEnd(oldPath))
	if err != nil {
		return tx.store.mapError(err, "move unit: read assignments", "assignment")
	}
	type live struct {
		rootID   int64
		path     string
		cascaded bool
		a        *kinbridge.Assignment
	}
	var all []live
	var as []*kinbridge.Assignment
	for rows.Next() {
		var l live
		var state string
		l.a = &kinbridge.Assignment{}
		if err := rows.Scan(&l.rootID, &l.a.DirectiveID, &state, &l.cascaded, &l.a.ReportID, &l.path); err != nil {
			rows.Close()
			return fmt.Errorf("move unit: read assignments: %w", err)
		}
		l.a.State = kinbridge.AssignmentState(state)
		all = append(all, l)
		as = append(as, l.a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tx.store.mapError(err, "move unit: read assignments", "assignment")
	}
	if len(all) == 0 {
		return nil
	}
	evidence, err := tx.reportEvidence(ctx, as)
	if err != nil {
		return err
	}
	byRoot := map[int64]counterDeltas{}
	for _, l := range all {
		d := byRoot[l.rootID]
		if d == nil {
			d = counterDeltas{}
			byRoot[l.rootID] = d
		}
		var ev evidenceCounts
		if !l.cascaded && l.a.ReportID != 0 {
			ev = evidence[l.a.ReportID]
		}
		d.add(l.path, l.a.DirectiveID, l.a.State, -1, ev)
		d.add(newPath+strings.TrimPrefix(l.path, oldPath), l.a.DirectiveID, l.a.State, 1, ev)
	}
	for rootID, d := range byRoot {
		if err := tx.addCounts(ctx, rootID, d, false); err != nil {
			return err
		}
		// The old ancestors' rows that counted only the moved subtree.
		if _, err := tx.exec(ctx, "DELETE FROM directive_counts WHERE root_id = ? AND n = 0", rootID); err != nil {
			return tx.store.mapError(err, "move unit: counters", "assignment")
		}
	}
	return nil
}
