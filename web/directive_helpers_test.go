package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/files"
)

// directiveBoss is an administrator at the root, who acts for the
// fixtures' directive records (a report needs a real submitter).
func (f *fixture) directiveBoss() context.Context {
	f.tb.Helper()
	if f.boss == nil {
		f.boss = f.user(kinbridge.RoleAdministrator, f.root)
	}
	return f.actor(f.boss)
}

// issue issues, as the root's administrator, a directive of the issuer to
// the units, due in 30 days.
func (f *fixture) issue(issuer *kinbridge.Unit, title string, to ...*kinbridge.Unit) *kinbridge.Directive {
	f.tb.Helper()
	d := &kinbridge.Directive{IssuerUnitID: issuer.ID, Title: title, Body: "Do it.", DueAt: time.Now().Add(30 * 24 * time.Hour)}
	for _, u := range to {
		d.Addressees.UnitIDs = append(d.Addressees.UnitIDs, u.ID)
	}
	if err := f.svc.IssueDirective(f.directiveBoss(), d); err != nil {
		f.tb.Fatalf("issue directive: %v", err)
	}
	return d
}

// assignmentOf returns the unit's assignment of the directive version.
func (f *fixture) assignmentOf(d *kinbridge.Directive, u *kinbridge.Unit) *kinbridge.Assignment {
	f.tb.Helper()
	rec, err := f.svc.FindDirective(f.directiveBoss(), d.ID)
	if err != nil {
		f.tb.Fatalf("find directive: %v", err)
	}
	for _, a := range rec.Assignments {
		if a.UnitID == u.ID {
			return a
		}
	}
	f.tb.Fatalf("directive %d has no assignment of unit %d", d.ID, u.ID)
	return nil
}

// acknowledge acknowledges an assignment as the root's administrator.
func (f *fixture) acknowledge(as *kinbridge.Assignment) {
	f.tb.Helper()
	if _, err := f.svc.StepAssignment(f.directiveBoss(), as.ID, kinbridge.AssignmentStep{Action: kinbridge.AssignmentAcknowledge}); err != nil {
		f.tb.Fatalf("acknowledge: %v", err)
	}
}

// report acknowledges and reports on an assignment as the root's
// administrator, with a text attachment when the service keeps files.
func (f *fixture) report(as *kinbridge.Assignment, withFile bool) *kinbridge.Report {
	f.tb.Helper()
	f.acknowledge(as)
	var files []kinbridge.AttachmentUpload
	if withFile {
		files = append(files, kinbridge.AttachmentUpload{Name: "notes.txt", Body: strings.NewReader("What we did, in plain text.\n")})
	}
	r, err := f.svc.SubmitReport(f.directiveBoss(), as.ID, 0, "We did it.", files)
	if err != nil {
		f.tb.Fatalf("report: %v", err)
	}
	return r
}

// testFiles is an attachment store in a test's temporary directory: the
// real one (package files).
func testFiles(tb testing.TB) *files.Dir {
	tb.Helper()
	d, err := files.Open(filepath.Join(tb.TempDir(), "files"))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// countFiles counts the attachments kept in the store.
func countFiles(tb testing.TB, d *files.Dir) int {
	tb.Helper()
	entries, err := os.ReadDir(d.Path())
	if err != nil {
		tb.Fatal(err)
	}
	return len(entries)
}
