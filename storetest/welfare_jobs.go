package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// countingMailer is a fake Mailer that records what it sends, and fails
// for the addresses in fail.
type countingMailer struct {
	mu   sync.Mutex
	sent map[string]int // "to|subject" → times sent
	fail map[string]bool
}

func newCountingMailer() *countingMailer {
	return &countingMailer{sent: map[string]int{}, fail: map[string]bool{}}
}

func (m *countingMailer) Send(ctx context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent[to+"|"+subject]++
	if m.fail[to] {
		return errors.New("mailbox unavailable")
	}
	return nil
}

func (m *countingMailer) total() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range m.sent {
		n += c
	}
	return n
}

func (f *welfare) runJobs(t *testing.T, svc *kinbridge.Service, mailer kinbridge.Mailer) kinbridge.JobReport {
	t.Helper()
	r, err := svc.RunJobs(System(), mailer)
	mustNoErr(t, err, "run jobs")
	return r
}

func escalatedTo(t *testing.T, f *welfare, u *kinbridge.User, unit *kinbridge.Unit) []int64 {
	t.Helper()
	q, err := f.svc.FindQueue(As(u), unit.ID, 0)
	mustNoErr(t, err, "queue of "+unit.Names.EN)
	if len(q.Escalated) != len(q.Escalations) {
		t.Errorf("%d escalated problems for %d escalations", len(q.Escalated), len(q.Escalations))
	}
	return problemIDs(q.Escalated)
}

// testEscalation: a problem past due goes to the parent unit's escalation
// list and its supervisors' inbox; one deadline period later to the
// grandparent's; at the top it stops; resolving it clears it everywhere.
// The store's clock and the Service's are the same fake clock.
func testEscalation(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	officer := As(f.officerA1)
	p := f.raise(t, officer, f.h1, "food", f.officerA1.ID) // 3 days
	due := p.DueAt
	if want := t0.Truncate(time.Microsecond).AddDate(0, 0, 3); !due.Equal(want) || !p.NextEscalationAt.Equal(want) {
		t.Fatalf("due %v, next escalation %v, want %v", due, p.NextEscalationAt, want)
	}
	f.clock.Add(3*24*time.Hour - time.Minute)
	if r := f.runJobs(t, f.svc, nil); r.Escalated != 0 {
		t.Fatalf("escalated before due: %+v", r)
	}
	f.clock.Add(2 * time.Minute)
	if r := f.runJobs(t, f.svc, nil); r.Escalated != 1 {
		t.Fatalf("escalated %d past due, want 1", r.Escalated)
	}
	diff(t, "region A's escalations", []int64{p.ID}, escalatedTo(t, f, f.supA, f.regionA))
	diff(t, "HQ's escalations", []int64{}, escalatedTo(t, f, f.supHQ, f.hq))
	diff(t, "region A's supervisor told", []string{"escalated:" + itoa(p.ID)}, kinds(f.notifications(t, f.supA)))
	diff(t, "HQ's supervisor not yet", []string{}, kinds(f.notifications(t, f.supHQ)))
	got := f.problem(t, p.ID)
	if got.EscalationLevel != 1 || !got.NextEscalationAt.Equal(due.AddDate(0, 0, 3)) {
		t.Errorf("after the first step: level %d, next %v", got.EscalationLevel, got.NextEscalationAt)
	}

	f.clock.Add(3 * 24 * time.Hour)
	if r := f.runJobs(t, f.svc, nil); r.Escalated != 1 {
		t.Fatalf("escalated %d after another period, want 1", r.Escalated)
	}
	diff(t, "HQ's escalations", []int64{p.ID}, escalatedTo(t, f, f.supHQ, f.hq))
	diff(t, "region A's still", []int64{p.ID}, escalatedTo(t, f, f.supA, f.regionA))
	diff(t, "HQ's supervisor told", []string{"escalated:" + itoa(p.ID)}, kinds(f.notifications(t, f.supHQ)))
	if got := f.problem(t, p.ID); got.EscalationLevel != 2 || !got.NextEscalationAt.IsZero() {
		t.Errorf("at the top: level %d, next %v", got.EscalationLevel, got.NextEscalationAt)
	}
	f.clock.Add(30 * 24 * time.Hour)
	if r := f.runJobs(t, f.svc, nil); r.Escalated != 0 {
		t.Fatalf("escalated above the top: %+v", r)
	}
	var lines []*kinbridge.ProblemEvent
	for _, e := range f.events(t, p.ID) {
		if e.Kind == "escalated" {
			lines = append(lines, e)
		}
	}
	if len(lines) != 2 || lines[0].UnitID != f.regionA.ID || lines[1].UnitID != f.hq.ID {
		t.Errorf("escalation history %+v", lines)
	}
	d, err := f.svc.FindDashboard(As(f.supHQ), f.hq.ID)
	mustNoErr(t, err, "dashboard")
	if d.Stats.Escalated != 1 || d.Stats.Overdue != 1 {
		t.Errorf("dashboard %+v", d.Stats)
	}

	f.mustChange(t, officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemResolve})
	diff(t, "region A's after resolving", []int64{}, escalatedTo(t, f, f.supA, f.regionA))
	diff(t, "HQ's after resolving", []int64{}, escalatedTo(t, f, f.supHQ, f.hq))
	f.view(t, func(tx kinbridge.Tx) error {
		es, err := tx.FindEscalations(context.Background(), kinbridge.EscalationFilter{ProblemID: p.ID})
		if len(es) != 2 || es[0].ClearedAt.IsZero() || es[1].ClearedAt.IsZero() || es[0].UnitPath != f.regionA.Path {
			t.Errorf("escalations kept as history: %+v", es)
		}
		return err
	})
	if d, _ := f.svc.FindDashboard(As(f.supHQ), f.hq.ID); d.Stats.Escalated != 0 {
		t.Errorf("dashboard after resolving %+v", d.Stats)
	}

	t.Run("reopened, it escalates again", func(t *testing.T) {
		p := f.mustChange(t, officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemReopen, Note: "back again"})
		f.clock.Add(3*24*time.Hour + time.Minute)
		if r := f.runJobs(t, f.svc, nil); r.Escalated != 1 {
			t.Fatalf("escalated %d, want 1", r.Escalated)
		}
		diff(t, "region A's escalations", []int64{p.ID}, escalatedTo(t, f, f.supA, f.regionA))
		diff(t, "region A's supervisor told again", []string{"escalated:" + itoa(p.ID), "escalated:" + itoa(p.ID)},
			kinds(f.notifications(t, f.supA)))
	})

	t.Run("the database refuses a level twice", func(t *testing.T) {
		ctx := context.Background()
		err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
			err := tx.CreateEscalation(ctx, &kinbridge.Escalation{ProblemID: p.ID, Level: 1, UnitID: f.regionA.ID, At: tx.Now()})
			wantCode(t, err, kinbridge.ECONFLICT)
			// The transaction is still good.
			_, err = tx.FindProblemByID(ctx, p.ID)
			return err
		})
		mustNoErr(t, err, "transaction after the refusal")
	})
}

// welfareCounts are the rows the jobs write.
func (f *welfare) jobRows(t *testing.T) [4]int {
	t.Helper()
	return [4]int{
		f.count(t, "SELECT COUNT(*) FROM notifications"),
		f.count(t, "SELECT COUNT(*) FROM problem_escalations"),
		f.count(t, "SELECT COUNT(*) FROM problem_events"),
		f.count(t, "SELECT COUNT(*) FROM outbox_mail"),
	}
}

// overdueWork raises problems, assigned, and moves the clock past their
// due dates, so that the jobs have escalations, digests and mail to do.
func (f *welfare) overdueWork(t *testing.T, n int) {
	t.Helper()
	officer := As(f.officerA1)
	mustNoErr(t, f.svc.SetEmail(officer, "a1@example.org"), "email")
	mustNoErr(t, f.svc.SetEmail(As(f.officerA1b), "a1b@example.org"), "email")
	for i := range n {
		assignee := f.officerA1.ID
		if i%2 == 1 {
			assignee = f.officerA1b.ID
		}
		f.raise(t, officer, f.h1, "food", assignee)
	}
	f.clock.Add(3*24*time.Hour + time.Hour)
}

// testJobsOnceAcrossRestart: the jobs run, the store closes, the same
// database opens again and the jobs run again at the same time: nothing
// new is escalated, notified or mailed.
func testJobsOnceAcrossRestart(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	f.overdueWork(t, 3)
	mailer := newCountingMailer()
	r := f.runJobs(t, f.svc, mailer)
	if r.Escalated != 3 || r.Digests != 2 || r.MailsSent != 2 {
		t.Fatalf("first run %+v", r)
	}
	before := f.jobRows(t)
	mustNoErr(t, f.store.Close(), "close")

	s := Reopen(t, f.store)
	s.SetClock(f.clock)
	f.store = s
	f.svc = kinbridge.NewService(s, f.clock, kinbridge.ServiceConfig{})
	r = f.runJobs(t, f.svc, mailer)
	if r != (kinbridge.JobReport{}) {
		t.Errorf("after the restart: %+v", r)
	}
	if after := f.jobRows(t); after != before {
		t.Errorf("rows (notifications, escalations, events, mail) %v, then %v", before, after)
	}
	if mailer.total() != 2 {
		t.Errorf("%d mails sent, want 2", mailer.total())
	}
	// The next period escalates again, once.
	f.clock.Add(3 * 24 * time.Hour)
	if r := f.runJobs(t, f.svc, mailer); r.Escalated != 3 {
		t.Errorf("next period %+v", r)
	}
}

// testJobsConcurrent: two processes run the jobs at the same time, on two
// stores of the same database; every step is still done exactly once.
func testJobsConcurrent(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	f.overdueWork(t, 8)
	mailer := newCountingMailer()
	second := Reopen(t, f.store)
	second.SetClock(f.clock)
	svcs := []*kinbridge.Service{f.svc, kinbridge.NewService(second, f.clock, kinbridge.ServiceConfig{})}
	for round := range 2 {
		var wg sync.WaitGroup
		reports := make([]kinbridge.JobReport, 2)
		errs := make([]error, 2)
		for i, svc := range svcs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				reports[i], errs[i] = svc.RunJobs(System(), mailer)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil && kinbridge.ErrorCode(err) != kinbridge.ECONFLICT {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		// A runner that lost a race to the other may stop with a conflict;
		// run again to finish what it left.
		for i, err := range errs {
			if err != nil {
				r, err := svcs[i].RunJobs(System(), mailer)
				mustNoErr(t, err, "retry")
				reports[i].Escalated += r.Escalated
				reports[i].Digests += r.Digests
				reports[i].MailsSent += r.MailsSent
			}
		}
		esc := reports[0].Escalated + reports[1].Escalated
		dig := reports[0].Digests + reports[1].Digests
		sent := reports[0].MailsSent + reports[1].MailsSent
		if esc != 8 || dig != 2 || sent != 2 {
			t.Errorf("round %d: escalated %d, digests %d, mails %d (%+v)", round, esc, dig, sent, reports)
		}
		// Three days on: the next level, and another day's digest.
		f.clock.Add(3 * 24 * time.Hour)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM problem_escalations"); n != 16 {
		t.Errorf("%d escalations, want 16", n)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM notifications WHERE kind = 'escalated'"); n != 16 {
		t.Errorf("%d escalation notifications, want 16 (8 problems, 2 levels, a supervisor each)", n)
	}
	for k, n := range mailer.sent {
		if n != 1 {
			t.Errorf("%s sent %d times", k, n)
		}
	}
}

// testDigestAndMail: a user with work due gets one digest a day, mailed
// once if they have an address; a failed send is recorded, not retried.
func testDigestAndMail(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	officer := As(f.officerA1)
	mustNoErr(t, f.svc.SetEmail(officer, "a1@example.org"), "email")
	wantField(t, f.svc.SetEmail(officer, "not an address"), "email")
	if e, _ := f.svc.Email(officer); e != "a1@example.org" {
		t.Errorf("email %q", e)
	}
	mustNoErr(t, f.svc.SetEmail(As(f.officerB1), "b1@example.org"), "email")
	f.raise(t, officer, f.h1, "food", f.officerA1.ID)    // due in 3 days
	f.raise(t, officer, f.h1, "housing", f.officerA1.ID) // 14 days: not in the digest
	f.raise(t, officer, f.h2, "food", f.officerA1b.ID)   // A1b has no address
	f.raise(t, As(f.officerB1), f.hB, "food", f.officerB1.ID)
	f.clock.Add(36 * time.Hour) // due within two days
	mailer := newCountingMailer()
	mailer.fail["b1@example.org"] = true
	r := f.runJobs(t, f.svc, mailer)
	if r.Digests != 3 || r.MailsSent != 1 || r.MailsFailed != 1 {
		t.Fatalf("first run %+v", r)
	}
	ns := f.notifications(t, f.officerA1)
	if ns[0].Kind != kinbridge.NotifyDigest || ns[0].Args["due_soon"] != "1" || ns[0].Args["overdue"] != "0" {
		t.Errorf("digest %+v", ns[0])
	}
	if n := f.count(t, "SELECT COUNT(*) FROM outbox_mail WHERE error <> '' AND sent_at IS NOT NULL AND claimed_at IS NOT NULL"); n != 1 {
		t.Errorf("%d failed mails recorded, want 1", n)
	}
	f.clock.Add(time.Hour)
	if r := f.runJobs(t, f.svc, mailer); r != (kinbridge.JobReport{}) {
		t.Errorf("the same day again: %+v", r)
	}
	f.clock.Add(24 * time.Hour) // the next day: overdue now
	if r := f.runJobs(t, f.svc, mailer); r.Digests != 3 || r.MailsSent != 1 || r.MailsFailed != 1 {
		t.Errorf("the next day %+v", r)
	}
	for k, n := range mailer.sent {
		if n != 1 {
			t.Errorf("%s sent %d times", k, n)
		}
	}
	if mailer.total() != 4 {
		t.Errorf("%d sends, want 4", mailer.total())
	}

	t.Run("claimed once", func(t *testing.T) {
		ctx := context.Background()
		err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
			for _, k := range []string{"x1", "x2", "x3"} {
				if _, err := tx.CreateOutboxMail(ctx, &kinbridge.OutboxMail{Key: k, To: "x@example.org", Subject: k, Body: "b"}); err != nil {
					return err
				}
			}
			return nil
		})
		mustNoErr(t, err, "outbox")
		var got [][]*kinbridge.OutboxMail
		for range 3 {
			var ms []*kinbridge.OutboxMail
			err := f.store.Update(ctx, func(tx kinbridge.Tx) (err error) {
				ms, err = tx.ClaimOutboxMail(ctx, tx.Now(), 2)
				return err
			})
			mustNoErr(t, err, "claim")
			got = append(got, ms)
		}
		if len(got[0]) != 2 || len(got[1]) != 1 || len(got[2]) != 0 || got[0][0].Key != "x1" || got[1][0].Key != "x3" ||
			got[0][0].ClaimedAt.IsZero() {
			t.Errorf("claims %d, %d, %d", len(got[0]), len(got[1]), len(got[2]))
		}
	})
}
