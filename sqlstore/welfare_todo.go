package sqlstore

// Scaffolding: replaced by the real welfare store.

import (
	"context"
	"errors"
	"time"

	"github.com/kinbridge/kinbridge"
)

var errWelfareTODO = errors.New("welfare store: not written yet")

func (tx *Tx) CreateVisit(ctx context.Context, v *kinbridge.Visit) error { return errWelfareTODO }
func (tx *Tx) FindVisitByID(ctx context.Context, id int64) (*kinbridge.Visit, error) {
	return nil, errWelfareTODO
}
func (tx *Tx) FindVisits(ctx context.Context, f kinbridge.VisitFilter) ([]*kinbridge.Visit, error) {
	return nil, errWelfareTODO
}
func (tx *Tx) CreateVisitPlan(ctx context.Context, p *kinbridge.VisitPlan) error {
	return errWelfareTODO
}
func (tx *Tx) UpdateVisitPlan(ctx context.Context, p *kinbridge.VisitPlan) error {
	return errWelfareTODO
}
func (tx *Tx) FindVisitPlanByID(ctx context.Context, id int64) (*kinbridge.VisitPlan, error) {
	return nil, errWelfareTODO
}
func (tx *Tx) FindVisitPlans(ctx context.Context, pathPrefix string) ([]*kinbridge.VisitPlan, error) {
	return nil, errWelfareTODO
}
func (tx *Tx) FindDueVisits(ctx context.Context, f kinbridge.DueVisitFilter) ([]*kinbridge.DueVisit, int, error) {
	return nil, 0, errWelfareTODO
}
func (tx *Tx) SetCaseOfficer(ctx context.Context, householdID, userID int64) error {
	return errWelfareTODO
}
func (tx *Tx) FindCaseOfficer(ctx context.Context, householdID int64) (int64, error) {
	return 0, errWelfareTODO
}
func (tx *Tx) CreateProblem(ctx context.Context, p *kinbridge.Problem) error { return errWelfareTODO }
func (tx *Tx) UpdateProblem(ctx context.Context, p *kinbridge.Problem) error { return errWelfareTODO }
func (tx *Tx) FindProblemByID(ctx context.Context, id int64) (*kinbridge.Problem, error) {
	return nil, errWelfareTODO
}
func (tx *Tx) FindProblems(ctx context.Context, f kinbridge.ProblemFilter) ([]*kinbridge.Problem, int, error) {
	return nil, 0, errWelfareTODO
}
func (tx *Tx) FindProblemsToEscalate(ctx context.Context, now time.Time, limit int) ([]*kinbridge.Problem, error) {
	return nil, errWelfareTODO
}
func (tx *Tx) CreateProblemEvent(ctx context.Context, e *kinbridge.ProblemEvent) error {
	return errWelfareTODO
}
func (tx *Tx) FindProblemEvents(ctx context.Context, problemID int64) ([]*kinbridge.ProblemEvent, error) {
	return nil, errWelfareTODO
}
func (tx *Tx) CreateEscalation(ctx context.Context, e *kinbridge.Escalation) error {
	return errWelfareTODO
}
func (tx *Tx) ClearEscalations(ctx context.Context, problemID int64, at time.Time) error {
	return errWelfareTODO
}
func (tx *Tx) FindEscalations(ctx context.Context, f kinbridge.EscalationFilter) ([]*kinbridge.Escalation, error) {
	return nil, errWelfareTODO
}
func (tx *Tx) ProblemStats(ctx context.Context, f kinbridge.ProblemStatsFilter) (*kinbridge.ProblemStats, error) {
	return nil, errWelfareTODO
}
func (tx *Tx) CreateNotification(ctx context.Context, n *kinbridge.Notification) (bool, error) {
	return false, errWelfareTODO
}
func (tx *Tx) FindNotifications(ctx context.Context, f kinbridge.NotificationFilter) ([]*kinbridge.Notification, error) {
	return nil, errWelfareTODO
}
func (tx *Tx) CountUnread(ctx context.Context, userID int64) (int, error) { return 0, errWelfareTODO }
func (tx *Tx) MarkRead(ctx context.Context, userID int64, ids []int64, at time.Time) error {
	return errWelfareTODO
}
func (tx *Tx) SetUserEmail(ctx context.Context, userID int64, email string) error {
	return errWelfareTODO
}
func (tx *Tx) FindUserEmail(ctx context.Context, userID int64) (string, error) { return "", errWelfareTODO }
func (tx *Tx) CreateOutboxMail(ctx context.Context, m *kinbridge.OutboxMail) (bool, error) {
	return false, errWelfareTODO
}
func (tx *Tx) ClaimOutboxMail(ctx context.Context, at time.Time, limit int) ([]*kinbridge.OutboxMail, error) {
	return nil, errWelfareTODO
}
func (tx *Tx) FinishOutboxMail(ctx context.Context, id int64, sentAt time.Time, errText string) error {
	return errWelfareTODO
}
func (tx *Tx) FindDigestUsers(ctx context.Context, now, dueBefore time.Time) ([]kinbridge.DigestLine, error) {
	return nil, errWelfareTODO
}
