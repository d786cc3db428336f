package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kinbridge/kinbridge"
)

func (tx *Tx) reportSelect() string {
	return `SELECT id, assignment_id, directive_id, unit_id, narrative, ` + tx.jsonText("evidence") + `, submitted_at,
		COALESCE(submitted_by, 0), submitter_name, review, review_note, reviewed_at, COALESCE(reviewed_by, 0), reviewer_name
	FROM reports`
}

func scanReport(row interface{ Scan(...any) error }) (*kinbridge.Report, error) {
	var r kinbridge.Report
	var ev string
	err := row.Scan(&r.ID, &r.AssignmentID, &r.DirectiveID, &r.UnitID, &r.Narrative, &ev, scanTime{&r.SubmittedAt},
		&r.SubmittedBy, &r.SubmitterName, &r.Review, &r.ReviewNote, scanTime{&r.ReviewedAt}, &r.ReviewedBy, &r.ReviewerName)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ev), &r.Evidence); err != nil {
		return nil, fmt.Errorf("report %d evidence: %w", r.ID, err)
	}
	r.Evidence.Since, r.Evidence.At = micro(r.Evidence.Since), micro(r.Evidence.At)
	return &r, nil
}

// CreateReport stores the report with its evidence — the snapshot as JSON,
// and its counts in columns for the roll-up's totals — and sets its ID.
func (tx *Tx) CreateReport(ctx context.Context, r *kinbridge.Report) error {
	if r.SubmittedAt.IsZero() {
		r.SubmittedAt = tx.now
	}
	r.SubmittedAt = micro(r.SubmittedAt)
	r.Evidence.Since, r.Evidence.At = micro(r.Evidence.Since), micro(r.Evidence.At)
	ev, err := json.Marshal(r.Evidence)
	if err != nil {
		return fmt.Errorf("create report: %w", err)
	}
	c := countsOf(&r.Evidence)
	args := []any{r.AssignmentID, r.DirectiveID, r.UnitID, r.Narrative, string(ev)}
	for _, n := range c {
		args = append(args, n)
	}
	args = append(args, r.SubmittedAt, nullID(r.SubmittedBy), r.SubmitterName)
	err = tx.queryRow(ctx, `
		INSERT INTO reports (assignment_id, directive_id, unit_id, narrative, evidence, `+evidenceColumns+`,
			submitted_at, submitted_by, submitter_name)
		VALUES (`+strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+`) RETURNING id`, args...).Scan(&r.ID)
	return tx.store.mapError(err, "create report", "report")
}

// UpdateReportReview stores the review of a report: accepted or returned,
// the comment, when and by whom.
func (tx *Tx) UpdateReportReview(ctx context.Context, r *kinbridge.Report) error {
	r.ReviewedAt = micro(r.ReviewedAt)
	return tx.execOne(ctx, "report", "review report",
		"UPDATE reports SET review = ?, review_note = ?, reviewed_at = ?, reviewed_by = ?, reviewer_name = ? WHERE id = ?",
		string(r.Review), r.ReviewNote, nullTime(r.ReviewedAt), nullID(r.ReviewedBy), r.ReviewerName, r.ID)
}

// FindReportByID returns the report with its attachments.
func (tx *Tx) FindReportByID(ctx context.Context, id int64) (*kinbridge.Report, error) {
	rs, err := tx.findReports(ctx, tx.reportSelect()+" WHERE id = ?", id)
	if err != nil {
		return nil, err
	} else if len(rs) == 0 {
		return nil, notFound("report")
	}
	return rs[0], nil
}

// FindReports returns the reports on an assignment, oldest first.
func (tx *Tx) FindReports(ctx context.Context, assignmentID int64) ([]*kinbridge.Report, error) {
	return tx.findReports(ctx, tx.reportSelect()+" WHERE assignment_id = ? ORDER BY id", assignmentID)
}

func (tx *Tx) findReports(ctx context.Context, q string, args ...any) ([]*kinbridge.Report, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find reports", "report")
	}
	rs := []*kinbridge.Report{}
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("find reports: %w", err)
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find reports", "report")
	}
	if len(rs) == 0 {
		return rs, nil
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	atts, err := tx.findAttachments(ctx, "report", ids)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		r.Attachments = atts[r.ID]
	}
	return rs, nil
}

// SumEvidence adds up the latest report evidence of the live, not-cascaded
// assignments of a cascade in a subtree. At a unit's path it reads the
// unit's counters, which hold those sums already (a few rows, whatever the
// size of the subtree); for any other prefix it adds the reports up.
func (tx *Tx) SumEvidence(ctx context.Context, rootID int64, pathPrefix string) (kinbridge.Evidence, error) {
	sums := make([]string, len(evidenceColumnNames))
	for i, c := range evidenceColumnNames {
		sums[i] = "COALESCE(SUM(c." + c + "), 0)"
	}
	var unit sql.NullInt64
	var c evidenceCounts
	err := tx.queryRow(ctx, "SELECT MIN(u.id), "+joinComma(sums)+
		" FROM units u LEFT JOIN directive_counts c ON c.root_id = ? AND c.unit_id = u.id WHERE u.path = ?", rootID, pathPrefix).
		Scan(c.dest(&unit)...)
	if err != nil {
		return kinbridge.Evidence{}, tx.store.mapError(err, "sum evidence", "report")
	}
	if !unit.Valid {
		for i, col := range evidenceColumnNames {
			sums[i] = "COALESCE(SUM(r." + col + "), 0)"
		}
		where, args := assignmentWhere(kinbridge.AssignmentFilter{RootID: rootID, PathPrefix: pathPrefix}, false)
		err := tx.queryRow(ctx, "SELECT "+joinComma(sums)+" FROM assignments a JOIN reports r ON r.id = a.report_id"+where+
			" AND NOT a.cascaded", args...).Scan(c.dest()...)
		if err != nil {
			return kinbridge.Evidence{}, tx.store.mapError(err, "sum evidence", "report")
		}
	}
	return c.evidence(), nil
}

func joinComma(s []string) string { return strings.Join(s, ", ") }

// activeProblem is the condition of a problem still being worked on, in
// the words of the partial indexes of 0004.
const activeProblem = "p.status IN ('open', 'in_progress', 'referred')"

// ComputeEvidence counts the records of the subtree in [f.Since, f.Until):
// the households of the programme (with a current member in it; every
// household without one) in the subtree now, and how many of them were
// visited; the visits the subtree's units recorded; the problems of the
// subtree's households raised, resolved, raised and still active, and
// escalated; the status events recorded in the subtree's units; the
// calls held at the subtree's offices (by their start); and the departure
// requests of the subtree's households allocated and departed.
func (tx *Tx) ComputeEvidence(ctx context.Context, f kinbridge.EvidenceFilter) (*kinbridge.Evidence, error) {
	since, until := micro(f.Since), micro(f.Until)
	if until.IsZero() {
		until = tx.now
	}
	ev := &kinbridge.Evidence{Since: since, At: until, ProgrammeID: f.ProgrammeID}
	and := func(cond string) string {
		if cond == "" {
			return ""
		}
		return " AND " + cond
	}
	hScope, hArgs := scopeCond("h.unit_id", f.PathPrefix, "")
	q := `SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id AND v.at >= ? AND v.at < ?)
		THEN 1 ELSE 0 END), 0) FROM households h WHERE 1 = 1` + and(hScope)
	args := append([]any{since, until}, hArgs...)
	if f.ProgrammeID != 0 {
		// CROSS JOIN keeps SQLite on the household's persons first (its
		// planner would otherwise start from the programme's members and
		// read every one of them for each household); PostgreSQL plans it
		// as any join.
		q += ` AND EXISTS (SELECT 1 FROM persons p CROSS JOIN person_programmes pp
			WHERE pp.person_id = p.id AND p.household_id = h.id AND p.kind = 'resident' AND p.status = 'present' AND pp.programme_id = ?)`
		args = append(args, f.ProgrammeID)
	}
	if err := tx.queryRow(ctx, q, args...).Scan(&ev.Households, &ev.HouseholdsVisited); err != nil {
		return nil, tx.store.mapError(err, "evidence: households", "household")
	}

	vScope, vArgs := scopeCond("v.unit_id", f.PathPrefix, "")
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM visits v WHERE v.at >= ? AND v.at < ?"+and(vScope),
		append([]any{since, until}, vArgs...)...).Scan(&ev.Visits); err != nil {
		return nil, tx.store.mapError(err, "evidence: visits", "visit")
	}

	pScope, pArgs := "", []any(nil)
	if hScope != "" {
		pScope, pArgs = "p.household_id IN (SELECT h.id FROM households h WHERE "+hScope+")", hArgs
	}
	q = `SELECT
		COALESCE(SUM(CASE WHEN p.created >= ? AND p.created < ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN p.status = 'resolved' AND p.closed_at >= ? AND p.closed_at < ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN p.created >= ? AND p.created < ? AND ` + activeProblem + ` THEN 1 ELSE 0 END), 0)
	FROM problems p WHERE (p.created >= ? OR p.closed_at >= ?)` + and(pScope)
	args = append([]any{since, until, since, until, since, until, since, since}, pArgs...)
	if err := tx.queryRow(ctx, q, args...).Scan(&ev.ProblemsRaised, &ev.ProblemsResolved, &ev.ProblemsOpen); err != nil {
		return nil, tx.store.mapError(err, "evidence: problems", "problem")
	}
	q = `SELECT COUNT(DISTINCT e.problem_id) FROM problem_escalations e JOIN problems p ON p.id = e.problem_id
		WHERE e.at >= ? AND e.at < ?` + and(pScope)
	if err := tx.queryRow(ctx, q, append([]any{since, until}, pArgs...)...).Scan(&ev.ProblemsEscalated); err != nil {
		return nil, tx.store.mapError(err, "evidence: escalations", "problem")
	}

	cScope, cArgs := scopeCond("c.unit_id", f.PathPrefix, "")
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM calls c WHERE c.status = 'held' AND c.start_at >= ? AND c.start_at < ?"+and(cScope),
		append([]any{since, until}, cArgs...)...).Scan(&ev.CallsHeld); err != nil {
		return nil, tx.store.mapError(err, "evidence: calls held", "call")
	}

	dScope, dArgs := scopeCond("h.unit_id", f.PathPrefix, "")
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM departure_requests d JOIN households h ON h.id = d.household_id"+
		" WHERE d.allocated_at >= ? AND d.allocated_at < ?"+and(dScope),
		append([]any{since, until}, dArgs...)...).Scan(&ev.DeparturesAllocated); err != nil {
		return nil, tx.store.mapError(err, "evidence: departures allocated", "departure request")
	}
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM departure_requests d JOIN households h ON h.id = d.household_id"+
		" WHERE d.status = 'departed' AND d.departed_at >= ? AND d.departed_at < ?"+and(dScope),
		append([]any{since, until}, dArgs...)...).Scan(&ev.DeparturesDone); err != nil {
		return nil, tx.store.mapError(err, "evidence: departures done", "departure request")
	}

	sScope, sArgs := scopeCond("s.unit_id", f.PathPrefix, "")
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM status_events s WHERE s.recorded >= ? AND s.recorded < ?"+and(sScope),
		append([]any{since, until}, sArgs...)...).Scan(&ev.StatusEvents); err != nil {
		return nil, tx.store.mapError(err, "evidence: status events", "status event")
	}
	return ev, nil
}
