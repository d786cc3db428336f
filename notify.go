package kinbridge

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Mailer sends one e-mail. The smtp package implements it; tests use fakes.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// notify puts n in its user's inbox unless the user has one with the same
// key already, so that a job run twice notifies once.
func (s *Service) notify(ctx context.Context, tx Tx, n *Notification) error {
	if n.Created.IsZero() {
		n.Created = tx.Now()
	}
	_, err := tx.CreateNotification(ctx, n)
	return err
}

// FindNotifications returns the caller's notifications, newest first.
func (s *Service) FindNotifications(ctx context.Context, unreadOnly bool, limit int) ([]*Notification, int, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := authorizeAction(a, ActionSelf); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var ns []*Notification
	var unread int
	err = s.store.View(ctx, func(tx Tx) error {
		if ns, err = tx.FindNotifications(ctx, NotificationFilter{UserID: a.UserID, Unread: unreadOnly, Limit: limit}); err != nil {
			return err
		}
		unread, err = tx.CountUnread(ctx, a.UserID)
		return err
	})
	return ns, unread, err
}

// CountUnread returns how many of the caller's notifications are unread:
// the badge every page shows.
func (s *Service) CountUnread(ctx context.Context) (int, error) {
	a, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.store.View(ctx, func(tx Tx) error {
		n, err = tx.CountUnread(ctx, a.UserID)
		return err
	})
	return n, err
}

// MarkRead marks the caller's notifications read: those named, or all.
func (s *Service) MarkRead(ctx context.Context, ids []int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if err := tx.MarkRead(ctx, a.UserID, ids, tx.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "notification.read", RecordType: "user", RecordID: a.UserID, UnitID: a.UnitID,
			Detail: map[string]any{"ids": ids}})
	})
}

// SetEmail sets the address the caller's daily digest is mailed to; ""
// stops the mail.
func (s *Service) SetEmail(ctx context.Context, email string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	email = strings.TrimSpace(email)
	if email != "" {
		addr, err := mail.ParseAddress(email)
		if err != nil || addr.Address != email || len(email) > 254 {
			return FieldError("email", "error.email", "Not an e-mail address.")
		}
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if err := tx.SetUserEmail(ctx, a.UserID, email); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "user.email", RecordType: "user", RecordID: a.UserID, UnitID: a.UnitID,
			Detail: map[string]any{"set": email != ""}})
	})
}

// Email returns the caller's digest address ("" if none).
func (s *Service) Email(ctx context.Context) (string, error) {
	a, err := actor(ctx)
	if err != nil {
		return "", err
	}
	var email string
	err = s.store.View(ctx, func(tx Tx) error {
		email, err = tx.FindUserEmail(ctx, a.UserID)
		return err
	})
	return email, err
}

// JobReport says what one run of the background jobs did.
type JobReport struct {
	Escalated int // escalation steps taken
	Digests   int // daily digests put in inboxes
	// Directives: versions whose addressees were reminded of the due date,
	// versions noticed overdue to their issuers, weekly digests.
	DirectiveReminders int
	DirectiveOverdue   int
	DirectiveWeekly    int
	MailsSent          int
	MailsFailed        int
}

// dueSoon: the daily digest lists problems due within this time.
const dueSoon = 48 * time.Hour

// escalationBatch is how many problems one query of the escalation job
// fetches; each is escalated in a transaction of its own.
const escalationBatch = 200

// RunJobs does the work that falls due with time: it escalates every
// problem past its next escalation, puts the day's digest in the inbox of
// every user who has work due soon or overdue, and sends the mail waiting
// in the outbox if a mailer is set. The serve command runs it every minute;
// it is safe to run at any time, from several processes, and after a
// crash: every step is keyed in the database (an escalation level of a
// problem, a digest of a user's day, a claimed mail) and done in the
// transaction that records it, so nothing happens twice and nothing is
// lost. A mail is claimed before it is sent: it may be lost if the process
// dies while sending, but never goes twice.
func (s *Service) RunJobs(ctx context.Context, mailer Mailer) (JobReport, error) {
	var r JobReport
	a := ActorFromContext(ctx)
	if a == nil {
		a = SystemActor("jobs")
		ctx = NewContextWithActor(ctx, a)
	}
	if !a.System {
		return r, &Error{Code: EFORBIDDEN, Message: "Only the system runs the background jobs.", Key: "error.forbidden"}
	}
	n, err := s.runEscalations(ctx, a)
	r.Escalated = n
	if err != nil {
		return r, fmt.Errorf("escalations: %w", err)
	}
	if r.Digests, err = s.runDigests(ctx, a, mailer != nil); err != nil {
		return r, fmt.Errorf("digests: %w", err)
	}
	if err := s.runDirectiveJobs(ctx, a, &r); err != nil {
		return r, fmt.Errorf("directives: %w", err)
	}
	if mailer != nil {
		if r.MailsSent, r.MailsFailed, err = s.sendMail(ctx, mailer); err != nil {
			return r, fmt.Errorf("mail: %w", err)
		}
	}
	return r, nil
}

// runEscalations escalates every problem due for it, a level at a time,
// until none is left: a server that was down for several periods catches
// up on all of them.
func (s *Service) runEscalations(ctx context.Context, a *Actor) (int, error) {
	done := 0
	for {
		var due []*Problem
		now := s.clock.Now()
		err := s.store.View(ctx, func(tx Tx) error {
			var err error
			due, err = tx.FindProblemsToEscalate(ctx, now, escalationBatch)
			return err
		})
		if err != nil {
			return done, err
		}
		progress := 0
		for _, p := range due {
			ok, err := s.escalate(ctx, a, p.ID)
			if err != nil {
				return done, err
			}
			if ok {
				done++
				progress++
			}
		}
		if len(due) < escalationBatch || progress == 0 {
			return done, nil
		}
	}
}

// escalate takes one escalation step of the problem, if it is still due,
// and reports whether it did. The problem is read again in the step's
// transaction: another runner may have taken the step already, and then
// the version check or the escalation's key refuses this one.
func (s *Service) escalate(ctx context.Context, a *Actor, id int64) (bool, error) {
	stepped := false
	err := s.store.Update(ctx, func(tx Tx) error {
		stepped = false
		now := tx.Now()
		p, err := tx.FindProblemByID(ctx, id)
		if err != nil {
			return err
		}
		if !p.Status.Active() || p.NextEscalationAt.IsZero() || now.Before(p.NextEscalationAt) {
			return nil
		}
		level := p.EscalationLevel + 1
		unitID, ok := AncestorAt(p.UnitPath, level)
		if !ok {
			p.NextEscalationAt = time.Time{}
			return tx.UpdateProblem(ctx, p)
		}
		if err := tx.CreateEscalation(ctx, &Escalation{ProblemID: p.ID, Level: level, UnitID: unitID, At: now}); ErrorCode(err) == ECONFLICT {
			return nil // another runner took this step
		} else if err != nil {
			return err
		}
		days, err := deadlineDays(ctx, tx, p)
		if err != nil {
			return err
		}
		p.EscalationLevel = level
		p.NextEscalationAt = nextEscalation(p, days)
		capEscalation(p)
		if err := tx.UpdateProblem(ctx, p); err != nil {
			return err
		}
		ev := &ProblemEvent{ProblemID: p.ID, At: now, ActorName: a.Username, Kind: "escalated",
			FromStatus: p.Status, ToStatus: p.Status, UnitID: unitID}
		if err := tx.CreateProblemEvent(ctx, ev); err != nil {
			return err
		}
		supervisors, _, err := tx.FindUsers(ctx, UserFilter{UnitID: unitID, Role: RoleSupervisor, Limit: 1000})
		if err != nil {
			return err
		}
		for _, u := range supervisors {
			err := s.notify(ctx, tx, &Notification{UserID: u.ID, Kind: NotifyEscalated, ProblemID: p.ID,
				// A reopened or accepted problem has a new due date and
				// escalates afresh: the key is the level of this deadline's.
				Key:  fmt.Sprintf("escalated:%d:%d:%d", p.ID, level, p.DueAt.Unix()),
				Text: fmt.Sprintf("Problem #%d (%s) is past due and was escalated to your unit.", p.ID, p.Category),
				Args: map[string]string{"problem": fmt.Sprint(p.ID), "category": p.Category, "level": fmt.Sprint(level)}})
			if err != nil {
				return err
			}
		}
		stepped = true
		return s.audit(ctx, tx, a, AuditEvent{Action: "problem.escalate", RecordType: "problem", RecordID: p.ID, UnitID: p.UnitID,
			Detail: map[string]any{"level": level, "to_unit_id": unitID}})
	})
	return stepped, err
}

// runDigests puts one digest a day in the inbox of each user with problems
// overdue or due soon, keyed by the user's day in their unit's time zone;
// with mail on, the digest goes to the outbox too for users with an
// address.
func (s *Service) runDigests(ctx context.Context, a *Actor, withMail bool) (int, error) {
	made := 0
	err := s.store.Update(ctx, func(tx Tx) error {
		now := tx.Now()
		lines, err := tx.FindDigestUsers(ctx, now, now.Add(dueSoon))
		if err != nil {
			return err
		}
		units := map[int64]*Unit{}
		for _, l := range lines {
			u, ok := units[l.UnitID]
			if !ok {
				if u, err = tx.FindUnitByID(ctx, l.UnitID); err != nil {
					return err
				}
				units[l.UnitID] = u
			}
			day := now.In(u.Location()).Format(time.DateOnly)
			n := &Notification{UserID: l.UserID, Kind: NotifyDigest, Key: "digest:" + day, Created: now,
				Text: fmt.Sprintf("Your work on %s: %d problems overdue, %d due within two days.", day, l.Overdue, l.DueSoon),
				Args: map[string]string{"day": day, "overdue": fmt.Sprint(l.Overdue), "due_soon": fmt.Sprint(l.DueSoon)}}
			stored, err := tx.CreateNotification(ctx, n)
			if err != nil {
				return err
			} else if !stored {
				continue
			}
			made++
			if !withMail {
				continue
			}
			email, err := tx.FindUserEmail(ctx, l.UserID)
			if err != nil {
				return err
			}
			if email == "" {
				continue
			}
			unread, err := tx.CountUnread(ctx, l.UserID)
			if err != nil {
				return err
			}
			body := n.Text + fmt.Sprintf("\n\nYou have %d unread notifications in kinbridge.\n", unread)
			if _, err := tx.CreateOutboxMail(ctx, &OutboxMail{Key: fmt.Sprintf("digest:%d:%s", l.UserID, day), To: email,
				Subject: "kinbridge: your work for " + day, Body: body, Created: now}); err != nil {
				return err
			}
		}
		if made == 0 {
			return nil
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "notification.digest", RecordType: "notification", Detail: map[string]any{"digests": made}})
	})
	return made, err
}

// sendMail sends the mail waiting in the outbox, a batch at a time.
func (s *Service) sendMail(ctx context.Context, mailer Mailer) (sent, failed int, err error) {
	for {
		var batch []*OutboxMail
		err := s.store.Update(ctx, func(tx Tx) error {
			var err error
			batch, err = tx.ClaimOutboxMail(ctx, tx.Now(), 50)
			return err
		})
		if err != nil || len(batch) == 0 {
			return sent, failed, err
		}
		for _, m := range batch {
			errText := ""
			if err := mailer.Send(ctx, m.To, m.Subject, m.Body); err != nil {
				errText = err.Error()
				failed++
			} else {
				sent++
			}
			err := s.store.Update(ctx, func(tx Tx) error { return tx.FinishOutboxMail(ctx, m.ID, tx.Now(), errText) })
			if err != nil {
				return sent, failed, err
			}
		}
	}
}
