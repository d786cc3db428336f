package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

func (tx *Tx) callSelect() string {
	return `SELECT c.id, c.household_id, c.unit_id, u.path, COALESCE(c.officer_id, 0), COALESCE(c.room_id, 0), c.place,
		c.start_at, c.end_at, c.block_end_at, c.week, c.day, ` + tx.jsonText("c.relative_ids") + `, c.status, c.note, c.reason,
		COALESCE(c.plan_id, 0), c.idempotency_key, c.sequence, c.version, COALESCE(c.created_by, 0), c.created, c.updated`
}

const callFrom = " FROM calls c JOIN units u ON u.id = c.unit_id"

func scanCall(row interface{ Scan(...any) error }) (*kinbridge.Call, error) {
	var c kinbridge.Call
	var rel string
	err := row.Scan(&c.ID, &c.HouseholdID, &c.UnitID, &c.UnitPath, &c.OfficerID, &c.RoomID, &c.Place,
		scanTime{&c.Start}, scanTime{&c.End}, scanTime{&c.BlockEnd}, &c.Week, &c.Day, &rel, &c.Status, &c.Note, &c.Reason,
		&c.PlanID, &c.IdempotencyKey, &c.Sequence, &c.Version, &c.CreatedBy, scanTime{&c.Created}, scanTime{&c.Updated})
	if err != nil {
		return nil, err
	}
	if c.RelativeIDs, err = jsonList[int64](rel); err != nil {
		return nil, fmt.Errorf("call %d relatives: %w", c.ID, err)
	}
	return &c, nil
}

// quotaKeys is the range of the quota seats' claim keys: every seat key
// starts with "q:", and ';' follows ':'.
const quotaKeys = "key >= 'q:' AND key < 'q;'"

// CreateCall stores a booked call and claims what it uses: every key of
// kinbridge.CallClaimKeys, then the first free quota seat. Each claim is an
// INSERT … ON CONFLICT DO NOTHING RETURNING key, so a taken key is read off
// what came back, on either engine without aborting the transaction; the
// call is then deleted again (its claims with it) and the answer is an
// ECONFLICT whose Field is the first key taken, in CallClaimKeys' order, or
// the quota prefix when no seat is free. The keys are inserted sorted and
// the seat after them, so that two bookings on PostgreSQL wait for each
// other's keys in the same order and never deadlock.
//
// On PostgreSQL the call, its keys and its seat go in one statement, one
// round trip: the keys' insert runs before the seat's, as the UNION ALL
// reads them in that order. The seat is chosen among those not claimed in
// the statement's snapshot; if another booking claimed it meanwhile and
// committed, the insert skips it, and the seat is chosen again in a new
// statement. SQLite, whose one writer runs one booking at a time, never
// finds a seat taken that it saw free.
func (tx *Tx) CreateCall(ctx context.Context, c *kinbridge.Call, quota int) error {
	if c.Status == "" {
		c.Status = kinbridge.CallBooked
	}
	c.Start, c.End, c.BlockEnd = micro(c.Start), micro(c.End), micro(c.BlockEnd)
	keys := kinbridge.CallClaimKeys(c)
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	prefix := kinbridge.CallQuotaPrefix(c.HouseholdID, c.Week)
	seats := make([]string, max(quota, 0))
	for i := range seats {
		seats[i] = prefix + strconv.Itoa(i+1)
	}
	rel, err := jsonValue(c.RelativeIDs)
	if err != nil {
		return fmt.Errorf("create call: %w", err)
	}
	insert := `INSERT INTO calls (household_id, unit_id, officer_id, room_id, place, start_at, end_at, block_end_at, week, day,
			relative_ids, status, note, reason, plan_id, idempotency_key, sequence, version, created_by, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
		ON CONFLICT (created_by, idempotency_key) WHERE idempotency_key <> '' DO NOTHING RETURNING id`
	args := []any{c.HouseholdID, c.UnitID, nullID(c.OfficerID), nullID(c.RoomID), string(c.Place), c.Start, c.End, c.BlockEnd,
		c.Week, c.Day, rel, string(c.Status), c.Note, c.Reason, nullID(c.PlanID), c.IdempotencyKey, c.Sequence,
		nullID(c.CreatedBy), tx.now, tx.now}

	var id int64
	claimed := map[string]bool{}
	seat := ""
	if tx.postgres() {
		q := `WITH c AS (` + insert + `), k AS (
			INSERT INTO call_claims (key, call_id)
			SELECT u.key, c.id FROM c CROSS JOIN unnest(?::text[]) WITH ORDINALITY AS u(key, n) ORDER BY u.n
			ON CONFLICT DO NOTHING RETURNING key
		), s AS (
			INSERT INTO call_claims (key, call_id)
			SELECT u.key, c.id FROM c CROSS JOIN unnest(?::text[]) WITH ORDINALITY AS u(key, n)
			WHERE NOT EXISTS (SELECT 1 FROM call_claims x WHERE x.key = u.key) ORDER BY u.n LIMIT 1
			ON CONFLICT DO NOTHING RETURNING key
		)
		SELECT 0, c.id::text FROM c UNION ALL SELECT 1, k.key FROM k UNION ALL SELECT 2, s.key FROM s`
		rows, err := tx.query(ctx, q, append(args, sorted, seats)...)
		if err != nil {
			return tx.store.mapError(err, "create call", "call")
		}
		for rows.Next() {
			var kind int
			var v string
			if err := rows.Scan(&kind, &v); err != nil {
				rows.Close()
				return fmt.Errorf("create call: %w", err)
			}
			switch kind {
			case 0:
				id, _ = strconv.ParseInt(v, 10, 64)
			case 1:
				claimed[v] = true
			case 2:
				seat = v
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return tx.store.mapError(err, "create call", "call")
		}
		if id == 0 {
			return idempotencyConflict()
		}
	} else {
		err := tx.queryRow(ctx, insert, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return idempotencyConflict()
		} else if err != nil {
			return tx.store.mapError(err, "create call", "call")
		}
		if claimed, err = tx.claimKeys(ctx, id, sorted); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if !claimed[k] {
			return tx.refuseCall(ctx, id, k)
		}
	}
	// The seat: on PostgreSQL the statement above tried one; it is tried
	// again only if another booking took it meanwhile.
	for tries := 0; seat == "" && len(seats) > 0 && tries <= len(seats); tries++ {
		if tx.postgres() {
			if free, err := tx.freeSeats(ctx, seats); err != nil {
				return err
			} else if free == 0 {
				break
			}
		}
		if seat, err = tx.claimSeat(ctx, id, seats); err != nil {
			return err
		}
		if !tx.postgres() {
			break
		}
	}
	if seat == "" {
		return tx.refuseCall(ctx, id, prefix)
	}
	c.ID, c.Version, c.Created, c.Updated = id, 1, tx.now, tx.now
	if c.UnitPath == "" {
		if err := tx.queryRow(ctx, "SELECT path FROM units WHERE id = ?", c.UnitID).Scan(&c.UnitPath); err != nil {
			return tx.store.mapError(err, "create call", "unit")
		}
	}
	return nil
}

// claimKeys inserts the call's claim keys, leaving out those taken, and
// returns those it inserted (SQLite: one multi-row statement).
func (tx *Tx) claimKeys(ctx context.Context, callID int64, keys []string) (map[string]bool, error) {
	claimed := map[string]bool{}
	if len(keys) == 0 {
		return claimed, nil
	}
	args := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k, callID)
	}
	rows, err := tx.query(ctx, "INSERT INTO call_claims (key, call_id) VALUES "+
		strings.TrimSuffix(strings.Repeat("(?, ?), ", len(keys)), ", ")+" ON CONFLICT DO NOTHING RETURNING key", args...)
	if err != nil {
		return nil, tx.store.mapError(err, "claim call keys", "call")
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("claim call keys: %w", err)
		}
		claimed[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "claim call keys", "call")
	}
	return claimed, nil
}

// claimSeat claims the first of the seats not claimed yet, and returns it;
// "" if none was free or the one chosen was taken meanwhile.
func (tx *Tx) claimSeat(ctx context.Context, callID int64, seats []string) (string, error) {
	if len(seats) == 0 {
		return "", nil
	}
	var q string
	var args []any
	if tx.postgres() {
		q = `INSERT INTO call_claims (key, call_id)
			SELECT u.key, ? FROM unnest(?::text[]) WITH ORDINALITY AS u(key, n)
			WHERE NOT EXISTS (SELECT 1 FROM call_claims x WHERE x.key = u.key) ORDER BY u.n LIMIT 1
			ON CONFLICT DO NOTHING RETURNING key`
		args = []any{callID, seats}
	} else {
		values := make([]string, len(seats))
		for i, s := range seats {
			values[i] = "(?, " + strconv.Itoa(i) + ")"
			args = append(args, s)
		}
		q = `WITH s(key, n) AS (VALUES ` + strings.Join(values, ", ") + `)
			INSERT INTO call_claims (key, call_id)
			SELECT s.key, ? FROM s WHERE NOT EXISTS (SELECT 1 FROM call_claims x WHERE x.key = s.key) ORDER BY s.n LIMIT 1
			ON CONFLICT DO NOTHING RETURNING key`
		args = append(args, callID)
	}
	var seat string
	err := tx.queryRow(ctx, q, args...).Scan(&seat)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", tx.store.mapError(err, "claim quota seat", "call")
	}
	return seat, nil
}

// freeSeats counts the seats no committed booking holds.
func (tx *Tx) freeSeats(ctx context.Context, seats []string) (int, error) {
	in, args := placeholders(seats)
	var taken int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM call_claims WHERE key IN ("+in+")", args...).Scan(&taken); err != nil {
		return 0, tx.store.mapError(err, "count quota seats", "call")
	}
	return len(seats) - taken, nil
}

// refuseCall deletes the call just inserted, with the claims it made, so
// that the transaction holds nothing of it, and answers ECONFLICT for the
// key taken.
func (tx *Tx) refuseCall(ctx context.Context, callID int64, key string) error {
	if _, err := tx.exec(ctx, "DELETE FROM call_claims WHERE call_id = ?", callID); err != nil {
		return tx.store.mapError(err, "refuse call", "call")
	}
	if _, err := tx.exec(ctx, "DELETE FROM calls WHERE id = ?", callID); err != nil {
		return tx.store.mapError(err, "refuse call", "call")
	}
	e := &kinbridge.Error{Code: kinbridge.ECONFLICT, Field: key}
	switch {
	case strings.HasPrefix(key, "o:"):
		e.Key, e.Message = "error.calls.officer_taken", "The officer has another call at that time."
	case strings.HasPrefix(key, "r:"):
		e.Key, e.Message = "error.calls.room_taken", "The room is booked at that time."
	case strings.HasPrefix(key, "d:"):
		e.Key, e.Message = "error.calls.day_taken", "The household has a call that day already."
	default:
		e.Key, e.Message = "error.calls.quota_used", "The household has used its calls of that week."
	}
	return e
}

func idempotencyConflict() error {
	return &kinbridge.Error{Code: kinbridge.ECONFLICT, Field: "idempotency_key", Key: "error.calls.idempotency",
		Message: "A booking with the same idempotency key is being made or was made."}
}

// UpdateCall writes the call's status, note, reason and sequence over the
// version it was read at, and moves c to the next version; a call changed
// since is ECONFLICT.
func (tx *Tx) UpdateCall(ctx context.Context, c *kinbridge.Call) error {
	res, err := tx.exec(ctx, `UPDATE calls SET status = ?, note = ?, reason = ?, sequence = ?, updated = ?, version = version + 1
		WHERE id = ? AND version = ?`, string(c.Status), c.Note, c.Reason, c.Sequence, tx.now, c.ID, c.Version)
	if err != nil {
		return tx.store.mapError(err, "update call", "call")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update call: %w", err)
	}
	if n == 0 {
		var one int
		if err := tx.queryRow(ctx, "SELECT 1 FROM calls WHERE id = ?", c.ID).Scan(&one); err != nil {
			return tx.store.mapError(err, "update call", "call")
		}
		return &kinbridge.Error{Code: kinbridge.ECONFLICT, Key: "error.calls.stale",
			Message: "Someone changed the call meanwhile; reload it and try again."}
	}
	c.Version++
	c.Updated = tx.now
	return nil
}

// ReleaseCallClaims deletes the call's claims, or only its quota seat.
func (tx *Tx) ReleaseCallClaims(ctx context.Context, callID int64, quotaOnly bool) error {
	q := "DELETE FROM call_claims WHERE call_id = ?"
	if quotaOnly {
		q += " AND " + quotaKeys
	}
	_, err := tx.exec(ctx, q, callID)
	return tx.store.mapError(err, "release call claims", "call")
}

// FindCallByID returns the call.
func (tx *Tx) FindCallByID(ctx context.Context, id int64) (*kinbridge.Call, error) {
	c, err := scanCall(tx.queryRow(ctx, tx.callSelect()+callFrom+" WHERE c.id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find call", "call")
	}
	return c, nil
}

// FindCallByIdempotencyKey returns the call the user booked with the key.
// The condition on the key being set is the partial index's, written as it
// is, so that SQLite uses the index.
func (tx *Tx) FindCallByIdempotencyKey(ctx context.Context, userID int64, key string) (*kinbridge.Call, error) {
	if key == "" {
		return nil, notFound("call")
	}
	c, err := scanCall(tx.queryRow(ctx, tx.callSelect()+callFrom+
		" WHERE c.created_by = ? AND c.idempotency_key = ? AND c.idempotency_key <> ''", userID, key))
	if err != nil {
		return nil, tx.store.mapError(err, "find call", "call")
	}
	return c, nil
}

// FindCalls returns the calls f selects, by start then id, and how many it
// selects in all (pageTotal: a count of its own only for a full page, or
// one past the end). The reads the booking rules make never fill a page: a
// window function computing a total nobody reads would cost them more than
// the rows themselves.
func (tx *Tx) FindCalls(ctx context.Context, f kinbridge.CallFilter) ([]*kinbridge.Call, int, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	if cond, a := scopeCond("c.unit_id", f.PathPrefix, ""); cond != "" {
		add(cond, a...)
	}
	if f.UnitID != 0 {
		add("c.unit_id = ?", f.UnitID)
	}
	if f.HouseholdID != 0 {
		add("c.household_id = ?", f.HouseholdID)
	}
	if f.OfficerID != 0 {
		add("c.officer_id = ?", f.OfficerID)
	}
	if f.PlanID != 0 {
		add("c.plan_id = ?", f.PlanID)
	}
	if !f.From.IsZero() {
		add("c.start_at >= ?", micro(f.From))
	}
	if !f.To.IsZero() {
		add("c.start_at < ?", micro(f.To))
	}
	if !f.EndsAfter.IsZero() {
		add("c.block_end_at > ?", micro(f.EndsAfter))
	}
	if len(f.Statuses) > 0 {
		in, a := placeholders(f.Statuses)
		for i := range a {
			a[i] = string(a[i].(kinbridge.CallStatus))
		}
		add("c.status IN ("+in+")", a...)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = math.MaxInt32
	}
	offset := max(f.Offset, 0)
	q := tx.callSelect() + callFrom + whereClause(where) + " ORDER BY c.start_at, c.id LIMIT ? OFFSET ?"
	rows, err := tx.query(ctx, q, append(args[:len(args):len(args)], limit, offset)...)
	if err != nil {
		return nil, 0, tx.store.mapError(err, "find calls", "call")
	}
	cs := []*kinbridge.Call{}
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("find calls: %w", err)
		}
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, tx.store.mapError(err, "find calls", "call")
	}
	total, err := pageTotal(offset, limit, len(cs), func() (n int, err error) {
		err = tx.queryRow(ctx, "SELECT COUNT(*)"+callFrom+whereClause(where), args...).Scan(&n)
		return n, tx.store.mapError(err, "count calls", "call")
	})
	if err != nil {
		return nil, 0, err
	}
	return cs, total, nil
}

// CountWeeksQuotaSeats counts the household's seat claims in a range of
// its keys: "q:<household>:<week>:<n>", and ISO weeks ("2026-W09") sort as
// they follow each other, so the weeks from fromWeek to toWeek are one
// range of the primary key.
func (tx *Tx) CountWeeksQuotaSeats(ctx context.Context, householdID int64, fromWeek, toWeek string) (map[string]int, error) {
	lo, hi := kinbridge.CallQuotaPrefix(householdID, fromWeek), kinbridge.CallQuotaPrefix(householdID, toWeek)
	hi = hi[:len(hi)-1] + ";" // past every seat of toWeek: ';' follows ':'
	rows, err := tx.query(ctx, "SELECT key FROM call_claims WHERE key >= ? AND key < ?", lo, hi)
	if err != nil {
		return nil, tx.store.mapError(err, "count quota seats", "call")
	}
	defer rows.Close()
	out := map[string]int{}
	prefix := len(kinbridge.CallQuotaPrefix(householdID, "")) - 1 // "q:<household>:"
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, fmt.Errorf("count quota seats: %w", err)
		}
		if week, _, ok := strings.Cut(key[prefix:], ":"); ok {
			out[week]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "count quota seats", "call")
	}
	return out, nil
}

// CountQuotaSeats returns, per household of the list that holds any, how
// many quota seats it holds in the week: the claims of the household's
// calls (an index range each) whose key is in its week's seat range.
func (tx *Tx) CountQuotaSeats(ctx context.Context, householdIDs []int64, week string) (map[int64]int, error) {
	out := map[int64]int{}
	for start := 0; start < len(householdIDs); start += 512 {
		in, args := placeholders(householdIDs[start:min(start+512, len(householdIDs))])
		q := `SELECT c.household_id, COUNT(*) FROM calls c JOIN call_claims k ON k.call_id = c.id
			WHERE c.household_id IN (` + in + `)
				AND k.key >= 'q:' || c.household_id || ':' || ? || ':' AND k.key < 'q:' || c.household_id || ':' || ? || ';'
			GROUP BY c.household_id`
		rows, err := tx.query(ctx, q, append(args, week, week)...)
		if err != nil {
			return nil, tx.store.mapError(err, "count quota seats", "call")
		}
		for rows.Next() {
			var h int64
			var n int
			if err := rows.Scan(&h, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("count quota seats: %w", err)
			}
			out[h] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, tx.store.mapError(err, "count quota seats", "call")
		}
	}
	return out, nil
}
