package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kinbridge/kinbridge"
)

// Which of a plan's call_plan_data a read takes: a nation's plan holds
// hundreds of megabytes of instance and result and tens of megabytes of short
// households. A review shows the short households, and a list of plans
// only the summary, which counts them.
const (
	planSummary = iota // no call_plan_data
	planReview         // the short households
	planWhole          // and the instance and result
)

// callPlanSelect reads plans with the part of their data that what names.
func (tx *Tx) callPlanSelect(what int) string {
	instance, result, short, from := "''", "''", "''", ""
	if what >= planReview {
		short, from = tx.jsonText("d.short"), " JOIN call_plan_data d ON d.plan_id = p.id"
	}
	if what == planWhole {
		instance, result = tx.jsonText("d.instance"), tx.jsonText("d.result")
	}
	return `SELECT p.id, p.unit_id, u.path, p.week_start, p.status, ` + instance + `, ` + result + `,
		` + tx.jsonText("p.summary") + `, ` + short + `, COALESCE(p.created_by, 0), p.created, p.booked_at
	FROM call_plans p JOIN units u ON u.id = p.unit_id` + from
}

func scanCallPlan(row interface{ Scan(...any) error }) (*kinbridge.CallPlan, error) {
	var p kinbridge.CallPlan
	var instance, result, summary, short string
	err := row.Scan(&p.ID, &p.UnitID, &p.UnitPath, &p.WeekStart, &p.Status, &instance, &result, &summary, &short, &p.CreatedBy,
		scanTime{&p.Created}, scanTime{&p.BookedAt})
	if err != nil {
		return nil, err
	}
	p.Instance, p.Result = json.RawMessage(instance), json.RawMessage(result)
	if err := json.Unmarshal([]byte(summary), &p.Summary); err != nil {
		return nil, fmt.Errorf("call plan %d summary: %w", p.ID, err)
	}
	if short != "" {
		if err := json.Unmarshal([]byte(short), &p.Summary.Short); err != nil {
			return nil, fmt.Errorf("call plan %d short households: %w", p.ID, err)
		}
	}
	return &p, nil
}

// rawJSON is the text of a JSON column for a raw message: {} when empty.
func rawJSON(m json.RawMessage) string {
	if len(m) == 0 {
		return "{}"
	}
	return string(m)
}

// CreateCallPlan stores the plan and sets its ID and time (and its status
// draft, if it has none).
func (tx *Tx) CreateCallPlan(ctx context.Context, p *kinbridge.CallPlan) error {
	if p.Status == "" {
		p.Status = kinbridge.CallPlanDraft
	}
	sum := p.Summary
	sum.Short = nil // in call_plan_data
	summary, err := json.Marshal(sum)
	if err != nil {
		return fmt.Errorf("create call plan: %w", err)
	}
	short, err := json.Marshal(p.Summary.Short)
	if err != nil {
		return fmt.Errorf("create call plan: %w", err)
	}
	p.BookedAt = micro(p.BookedAt)
	err = tx.queryRow(ctx, `INSERT INTO call_plans (unit_id, week_start, status, summary, created_by, created, booked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.UnitID, p.WeekStart, string(p.Status), string(summary), nullID(p.CreatedBy), tx.now, nullTime(p.BookedAt)).Scan(&p.ID)
	if err != nil {
		return tx.store.mapError(err, "create call plan", "call plan")
	}
	_, err = tx.exec(ctx, "INSERT INTO call_plan_data (plan_id, instance, result, short) VALUES (?, ?, ?, ?)",
		p.ID, rawJSON(p.Instance), rawJSON(p.Result), string(short))
	if err != nil {
		return tx.store.mapError(err, "create call plan", "call plan")
	}
	p.Created = tx.now
	if p.UnitPath == "" {
		if err := tx.queryRow(ctx, "SELECT path FROM units WHERE id = ?", p.UnitID).Scan(&p.UnitPath); err != nil {
			return tx.store.mapError(err, "create call plan", "unit")
		}
	}
	return nil
}

// FindCallPlanByID returns the plan.
func (tx *Tx) FindCallPlanByID(ctx context.Context, id int64) (*kinbridge.CallPlan, error) {
	p, err := scanCallPlan(tx.queryRow(ctx, tx.callPlanSelect(planWhole)+" WHERE p.id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find call plan", "call plan")
	}
	return p, nil
}

// FindCallPlanReview returns the plan without its instance and result.
func (tx *Tx) FindCallPlanReview(ctx context.Context, id int64) (*kinbridge.CallPlan, error) {
	p, err := scanCallPlan(tx.queryRow(ctx, tx.callPlanSelect(planReview)+" WHERE p.id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find call plan", "call plan")
	}
	return p, nil
}

// FindCallPlans returns up to limit plans of the subtree's units, newest
// first (limit 0: all).
func (tx *Tx) FindCallPlans(ctx context.Context, pathPrefix string, limit int) ([]*kinbridge.CallPlan, error) {
	var where []string
	cond, args := scopeCond("p.unit_id", pathPrefix, "")
	if cond != "" {
		where = append(where, cond)
	}
	q := tx.callPlanSelect(planSummary) + whereClause(where) + " ORDER BY p.id DESC"
	if limit > 0 {
		q, args = q+" LIMIT ?", append(args, limit)
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find call plans", "call plan")
	}
	defer rows.Close()
	ps := []*kinbridge.CallPlan{}
	for rows.Next() {
		p, err := scanCallPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("find call plans: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find call plans", "call plan")
	}
	return ps, nil
}

// UpdateCallPlan writes the plan's status and when it was booked.
func (tx *Tx) UpdateCallPlan(ctx context.Context, p *kinbridge.CallPlan) error {
	p.BookedAt = micro(p.BookedAt)
	return tx.execOne(ctx, "call plan", "update call plan", "UPDATE call_plans SET status = ?, booked_at = ? WHERE id = ?",
		string(p.Status), nullTime(p.BookedAt), p.ID)
}

const calendarTokenSelect = "SELECT id, user_id, hash, created, revoked FROM calendar_tokens"

func scanCalendarToken(row interface{ Scan(...any) error }) (*kinbridge.CalendarToken, error) {
	var t kinbridge.CalendarToken
	if err := row.Scan(&t.ID, &t.UserID, &t.Hash, scanTime{&t.Created}, scanTime{&t.Revoked}); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateCalendarToken stores the token's hash and sets its ID and time.
func (tx *Tx) CreateCalendarToken(ctx context.Context, t *kinbridge.CalendarToken) error {
	err := tx.queryRow(ctx, "INSERT INTO calendar_tokens (user_id, hash, created) VALUES (?, ?, ?) RETURNING id",
		t.UserID, t.Hash, tx.now).Scan(&t.ID)
	if err != nil {
		return tx.store.mapError(err, "create calendar token", "calendar token")
	}
	t.Created = tx.now
	return nil
}

// FindCalendarTokenByHash returns the token with the hash, revoked or not.
func (tx *Tx) FindCalendarTokenByHash(ctx context.Context, hash string) (*kinbridge.CalendarToken, error) {
	t, err := scanCalendarToken(tx.queryRow(ctx, calendarTokenSelect+" WHERE hash = ?", hash))
	if err != nil {
		return nil, tx.store.mapError(err, "find calendar token", "calendar token")
	}
	return t, nil
}

// FindCalendarTokens returns the user's tokens, newest first.
func (tx *Tx) FindCalendarTokens(ctx context.Context, userID int64) ([]*kinbridge.CalendarToken, error) {
	rows, err := tx.query(ctx, calendarTokenSelect+" WHERE user_id = ? ORDER BY id DESC", userID)
	if err != nil {
		return nil, tx.store.mapError(err, "find calendar tokens", "calendar token")
	}
	defer rows.Close()
	ts := []*kinbridge.CalendarToken{}
	for rows.Next() {
		t, err := scanCalendarToken(rows)
		if err != nil {
			return nil, fmt.Errorf("find calendar tokens: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find calendar tokens", "calendar token")
	}
	return ts, nil
}

// RevokeCalendarToken marks the token revoked at the time, once: a token
// revoked already keeps its first time.
func (tx *Tx) RevokeCalendarToken(ctx context.Context, id int64, at time.Time) error {
	return tx.execOne(ctx, "calendar token", "revoke calendar token",
		"UPDATE calendar_tokens SET revoked = COALESCE(revoked, ?) WHERE id = ?", micro(at), id)
}
