package sqlstore

// Scaffolding: replaced by the real directives store.

import (
	"context"
	"errors"
	"time"

	"github.com/kinbridge/kinbridge"
)

var errDirectiveTODO = errors.New("directive store: not written yet")

func (tx *Tx) CreateDirective(ctx context.Context, d *kinbridge.Directive) error {
	return errDirectiveTODO
}
func (tx *Tx) SetDirectiveStatus(ctx context.Context, id int64, st kinbridge.DirectiveStatus, note string) error {
	return errDirectiveTODO
}
func (tx *Tx) MarkDirectiveJobs(ctx context.Context, id int64, remindedAt, overdueNoticeAt time.Time) error {
	return errDirectiveTODO
}
func (tx *Tx) FindDirectiveByID(ctx context.Context, id int64) (*kinbridge.Directive, error) {
	return nil, errDirectiveTODO
}
func (tx *Tx) FindDirectiveVersions(ctx context.Context, seriesID int64) ([]*kinbridge.Directive, error) {
	return nil, errDirectiveTODO
}
func (tx *Tx) FindDirectives(ctx context.Context, f kinbridge.DirectiveFilter) ([]*kinbridge.Directive, error) {
	return nil, errDirectiveTODO
}
func (tx *Tx) CreateAssignments(ctx context.Context, as []*kinbridge.Assignment) error {
	return errDirectiveTODO
}
func (tx *Tx) UpdateAssignment(ctx context.Context, a *kinbridge.Assignment, old kinbridge.AssignmentState) error {
	return errDirectiveTODO
}
func (tx *Tx) KillAssignments(ctx context.Context, directiveID int64) error { return errDirectiveTODO }
func (tx *Tx) FindAssignmentByID(ctx context.Context, id int64) (*kinbridge.Assignment, error) {
	return nil, errDirectiveTODO
}
func (tx *Tx) FindLiveAssignment(ctx context.Context, seriesID, unitID int64) (*kinbridge.Assignment, error) {
	return nil, errDirectiveTODO
}
func (tx *Tx) FindAssignments(ctx context.Context, f kinbridge.AssignmentFilter) ([]*kinbridge.Assignment, error) {
	return nil, errDirectiveTODO
}
func (tx *Tx) CountAssignments(ctx context.Context, f kinbridge.AssignmentFilter) (int, error) {
	return 0, errDirectiveTODO
}
func (tx *Tx) RollupCounts(ctx context.Context, rootID int64, unitIDs []int64) ([]kinbridge.RollupCount, error) {
	return nil, errDirectiveTODO
}
func (tx *Tx) CreateReport(ctx context.Context, r *kinbridge.Report) error { return errDirectiveTODO }
func (tx *Tx) UpdateReportReview(ctx context.Context, r *kinbridge.Report) error {
	return errDirectiveTODO
}
func (tx *Tx) FindReportByID(ctx context.Context, id int64) (*kinbridge.Report, error) {
	return nil, errDirectiveTODO
}
func (tx *Tx) FindReports(ctx context.Context, assignmentID int64) ([]*kinbridge.Report, error) {
	return nil, errDirectiveTODO
}
func (tx *Tx) SumEvidence(ctx context.Context, rootID int64, pathPrefix string) (kinbridge.Evidence, error) {
	return kinbridge.Evidence{}, errDirectiveTODO
}
func (tx *Tx) ComputeEvidence(ctx context.Context, f kinbridge.EvidenceFilter) (*kinbridge.Evidence, error) {
	return nil, errDirectiveTODO
}
func (tx *Tx) CreateAttachment(ctx context.Context, a *kinbridge.Attachment) error {
	return errDirectiveTODO
}
func (tx *Tx) FindAttachmentByID(ctx context.Context, id int64) (*kinbridge.Attachment, error) {
	return nil, errDirectiveTODO
}
