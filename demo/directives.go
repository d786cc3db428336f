package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The directives part of the demo: headquarters' order to visit every
// household of the first programme and report weekly, issued on the first
// morning of the simulated weeks to every region; each region passes it on
// to its offices with instructions of its own and an earlier due date (a
// week ago for every third region, so that some offices are overdue); the
// offices acknowledge, report — the service computes each report's
// evidence from the demo's records at that moment of the simulated weeks —
// are returned, report again, are accepted, or do nothing yet; the regions
// report to headquarters the same way; one derived directive is amended in
// the sixth week, so that its version 2 waits for some offices to
// acknowledge it again. The steps are planned into the welfare generator's
// slots, so that they happen at their time amid the visits and problems
// they report on, and the weekly jobs remind, notice overdue versions and
// make the supervisors' digests.
//
// A town has a single office: there headquarters also issues a few
// directives of its own to the office level, so that every state still
// shows.

// compliance is how an addressed unit's story with a directive goes.
type compliance int

const (
	compRedone         compliance = iota // reported, returned, reported again: waits for review
	compAccepted                         // reported, accepted
	compReported                         // reported: waits for review
	compReturned                         // reported, returned: waits for the new report
	compAcknowledged                     // acknowledged only
	compDelivered                        // not even acknowledged
	compRedoneAccepted                   // reported, returned, reported again, accepted
)

// officeCompliance is cycled over the offices' assignments, regionCompliance
// over the regions'. The first office is the demo officer's, the first
// region the demo supervisor's.
var (
	officeCompliance = []compliance{compRedone, compAccepted, compReported, compReturned, compAcknowledged, compDelivered, compRedoneAccepted, compAccepted}
	regionCompliance = []compliance{compRedoneAccepted, compReported, compReturned, compAccepted, compAcknowledged, compRedone}
)

// Days of the simulated weeks (0 is the first) on which things happen.
const (
	dirLateDue    = 42 // a late region's derived directive is due
	dirAmendDay   = 35 // the amendment
	dirRegionDue  = welfareDays + 10
	dirHQDue      = welfareDays + 21
	dirAmendedDue = welfareDays + 14
)

// directiveGen plans the demo's directives into the welfare generator's
// slots.
type directiveGen struct {
	g     *welfareGen
	rng   *rand.Rand
	admin *kinbridge.Actor // headquarters' administrator: issues and reviews there
	files kinbridge.AttachmentStore
	seq   int // office assignments given a compliance so far

	directives, amendments, steps int
}

// planDirectives plans the directives of the demo; files, if not nil, keeps
// the attachments of some reports.
func (g *welfareGen) planDirectives(seed uint64, users []*kinbridge.User, files kinbridge.AttachmentStore) error {
	dg := &directiveGen{g: g, rng: rand.New(rand.NewPCG(seed, 0x6469726563746976)), files: files} // "directiv"
	for _, u := range users {
		if u.Username == Logins[0].Username {
			dg.admin = g.actors[u.ID]
		}
	}
	if dg.admin == nil {
		return fmt.Errorf("demo: directives: no administrator at headquarters")
	}
	byRegion := map[int64][]*kinbridge.Unit{}
	for _, o := range g.offices {
		byRegion[o.ParentID] = append(byRegion[o.ParentID], o)
	}
	hqDirective := &kinbridge.Directive{IssuerUnitID: g.hq.ID, Title: "Visit every household of the programme, and report weekly",
		Body: strings.Join([]string{
			"Every office visits **each household of programme P1** in its area before the due date, and records every visit and every problem raised in kinbridge.",
			"",
			"- Start with the households that have not been seen for 30 days or more.",
			"- Ask about the relatives abroad and write down whom the household has lost touch with.",
			"- Report every week: your report's evidence is counted from the records, so record first, report second.",
			"",
			"Regions pass this on to their offices with their own instructions and dates.",
		}, "\n"),
		DueAt:      g.day(dirHQDue, 17),
		Addressees: kinbridge.Addressees{Depth: g.hq.Depth + 1},
		Actions:    []kinbridge.RequiredAction{{Kind: kinbridge.ActionVisitProgramme, ProgrammeID: g.reg.programmeIDs[0]}, {Kind: kinbridge.ActionReportWeekly}},
	}
	dg.issue(0, dg.admin, hqDirective, nil)

	// The amended directive: the last region's, or with one region, one of
	// headquarters' own.
	amendRegion := int64(0)
	if len(g.regions) > 1 {
		amendRegion = g.regions[len(g.regions)-1].ID
	}
	for r, region := range g.regions {
		sup := g.regionSup[region.ID]
		if sup == nil {
			continue
		}
		sa := g.actors[sup.ID]
		// The region acknowledges on the first or second morning (its
		// story is planned below) and passes the directive on at noon.
		ack := slotOf(1+r%2, 0)
		offices := byRegion[region.ID]
		if len(offices) == 0 {
			continue
		}
		due := dirRegionDue
		if r%3 == 2 || len(g.regions) == 1 {
			due = dirLateDue
		}
		derived := &kinbridge.Directive{IssuerUnitID: region.ID,
			Title:   fmt.Sprintf("%s: visit every household of P1 by %s", region.Names.EN, g.day(due, 17).Format("2 January")),
			Body:    hqDirective.Body + "\n\n**" + region.Names.EN + "**: " + regionInstructions[r%len(regionInstructions)],
			DueAt:   g.day(due, 17),
			Actions: hqDirective.Actions,
		}
		for _, o := range offices {
			derived.Addressees.UnitIDs = append(derived.Addressees.UnitIDs, o.ID)
		}
		dg.issue(ack+1, sa, derived, hqDirective)
		if region.ID == amendRegion {
			dg.amended(derived, offices, sa)
		} else {
			for _, o := range offices {
				dg.comply(officeCompliance[dg.seq%len(officeCompliance)], derived, o.ID, dg.responder(o), sa, ack+2+dg.rng.IntN(9), slotOf(14+dg.rng.IntN(10), dg.rng.IntN(3)))
				dg.seq++
			}
		}
		// The region reports once its offices have: in the seventh week.
		dg.comply(regionCompliance[r%len(regionCompliance)], hqDirective, region.ID, sa, dg.admin, ack, slotOf(40+dg.rng.IntN(3), dg.rng.IntN(3)))
	}

	// A town's one office: headquarters' own directives to the office
	// level, until every compliance has shown; and the amended one.
	level := kinbridge.Addressees{Depth: g.hq.Depth + 2}
	for k := 0; dg.seq < len(officeCompliance); k++ {
		x := extraDirectives[k%len(extraDirectives)]
		due := dirRegionDue
		if k%2 == 0 {
			due = dirLateDue
		}
		d := &kinbridge.Directive{IssuerUnitID: g.hq.ID, Title: x[0], Body: x[1], DueAt: g.day(due, 17), Addressees: level,
			Actions: []kinbridge.RequiredAction{{Kind: kinbridge.ActionReportWeekly}}}
		dg.issue(slotOf(0, 1), dg.admin, d, nil)
		for _, o := range g.offices {
			dg.comply(officeCompliance[dg.seq%len(officeCompliance)], d, o.ID, dg.responder(o), dg.admin, slotOf(2+dg.rng.IntN(3), dg.rng.IntN(3)), slotOf(14+dg.rng.IntN(10), dg.rng.IntN(3)))
			dg.seq++
		}
	}
	if amendRegion == 0 {
		x := extraDirectives[len(extraDirectives)-1]
		d := &kinbridge.Directive{IssuerUnitID: g.hq.ID, Title: x[0], Body: x[1], DueAt: g.day(dirRegionDue, 17), Addressees: level,
			Actions: []kinbridge.RequiredAction{{Kind: kinbridge.ActionReportWeekly}}}
		dg.issue(slotOf(0, 1), dg.admin, d, nil)
		dg.amended(d, g.offices, dg.admin)
	}
	return nil
}

// slotOf returns the index of slot s of day d.
func slotOf(d, s int) int { return d*len(slotTimes) + s }

// day returns the local time h:00 of day d of the simulated weeks (days
// past the last are in the future).
func (g *welfareGen) day(d, h int) time.Time {
	return time.Date(g.start.Year(), g.start.Month(), g.start.Day()+d, h, 0, 0, 0, g.loc)
}

// responder returns who acts for an office: its first officer, or its
// region's supervisor.
func (dg *directiveGen) responder(o *kinbridge.Unit) *kinbridge.Actor {
	if os := dg.g.officers[o.ID]; len(os) > 0 {
		return dg.g.actors[os[0].ID]
	}
	if sup := dg.g.regionSup[o.ParentID]; sup != nil {
		return dg.g.actors[sup.ID]
	}
	return dg.admin
}

// issue plans the issue of d (derived from parent, if not nil).
func (dg *directiveGen) issue(slot int, a *kinbridge.Actor, d, parent *kinbridge.Directive) {
	dg.directives++
	dg.at(slot, a, func(ctx context.Context, svc *kinbridge.Service) error {
		if parent != nil {
			d.ParentID = parent.ID
		}
		if err := svc.IssueDirective(ctx, d); err != nil {
			return fmt.Errorf("issue %q: %w", d.Title, err)
		}
		return nil
	})
}

func (dg *directiveGen) at(slot int, a *kinbridge.Actor, do func(ctx context.Context, svc *kinbridge.Service) error) bool {
	if dg.g.at(slot, a, do) {
		dg.steps++
		return true
	}
	return false
}

// gap is the time between a step and the next one of the same story: two
// to three days.
func (dg *directiveGen) gap() int { return 6 + dg.rng.IntN(4) }

// comply plans a unit's story with directive d: acknowledged in slot ack,
// reported in slot report, and reviewed by reviewer as c says.
func (dg *directiveGen) comply(c compliance, d *kinbridge.Directive, unitID int64, responder, reviewer *kinbridge.Actor, ack, report int) {
	if c == compDelivered {
		return
	}
	dg.step(ack, responder, d, unitID, kinbridge.AssignmentAcknowledge, "")
	if c == compAcknowledged {
		return
	}
	s := max(report, ack+1)
	dg.step(s, responder, d, unitID, kinbridge.AssignmentReport, narratives[dg.rng.IntN(len(narratives))])
	switch c {
	case compAccepted:
		dg.step(s+dg.gap(), reviewer, d, unitID, kinbridge.AssignmentAccept, acceptNotes[dg.rng.IntN(len(acceptNotes))])
	case compReturned, compRedone, compRedoneAccepted:
		s += dg.gap()
		dg.step(s, reviewer, d, unitID, kinbridge.AssignmentReturn, returnNotes[dg.rng.IntN(len(returnNotes))])
		if c == compReturned {
			return
		}
		s += dg.gap()
		dg.step(s, responder, d, unitID, kinbridge.AssignmentReport, secondNarratives[dg.rng.IntN(len(secondNarratives))])
		if c == compRedoneAccepted {
			dg.step(s+dg.gap(), reviewer, d, unitID, kinbridge.AssignmentAccept, acceptNotes[dg.rng.IntN(len(acceptNotes))])
		}
	}
}

// amended plans the story of the amended directive d: its offices
// acknowledge version 1 and some report on it; in the sixth week the
// issuer amends it, which delivers version 2 to every office; a third of
// them acknowledge it again, a third also report and are accepted, and a
// third have still to acknowledge it.
func (dg *directiveGen) amended(d *kinbridge.Directive, offices []*kinbridge.Unit, issuer *kinbridge.Actor) {
	for j, o := range offices {
		who := dg.responder(o)
		ack := slotOf(3+dg.rng.IntN(3), dg.rng.IntN(3))
		dg.step(ack, who, d, o.ID, kinbridge.AssignmentAcknowledge, "")
		if j%2 == 1 {
			dg.step(slotOf(20+dg.rng.IntN(10), dg.rng.IntN(3)), who, d, o.ID, kinbridge.AssignmentReport, narratives[dg.rng.IntN(len(narratives))])
		}
	}
	dg.amendments++
	dg.at(slotOf(dirAmendDay, 0), issuer, func(ctx context.Context, svc *kinbridge.Service) error {
		v2 := &kinbridge.Directive{Title: d.Title + " (amended)", DueAt: dg.g.day(dirAmendedDue, 17), Actions: d.Actions,
			Body: d.Body + "\n\n**Amendment**: list the households that were not at home, with the date of the next attempt.",
			Note: "Added: the list of households not found at home. Due date moved back by four days."}
		if err := svc.AmendDirective(ctx, d.ID, v2); err != nil {
			return fmt.Errorf("amend %q: %w", d.Title, err)
		}
		return nil
	})
	for j, o := range offices {
		if j%3 == 0 {
			continue // still to acknowledge version 2
		}
		who := dg.responder(o)
		ack := slotOf(dirAmendDay+2+dg.rng.IntN(3), dg.rng.IntN(3))
		dg.step(ack, who, d, o.ID, kinbridge.AssignmentAcknowledge, "")
		if j%3 == 2 {
			s := ack + dg.gap() + 3*dg.rng.IntN(4)
			dg.step(s, who, d, o.ID, kinbridge.AssignmentReport, narratives[dg.rng.IntN(len(narratives))])
			dg.step(s+dg.gap(), issuer, d, o.ID, kinbridge.AssignmentAccept, acceptNotes[dg.rng.IntN(len(acceptNotes))])
		}
	}
}

// step plans one step on the live assignment of directive d's series at
// the unit, found when the step is taken (an amendment replaces it).
func (dg *directiveGen) step(slot int, a *kinbridge.Actor, d *kinbridge.Directive, unitID int64, action kinbridge.AssignmentAction, text string) {
	var attach bool
	if action == kinbridge.AssignmentReport && dg.files != nil {
		attach = dg.rng.IntN(3) == 0
	}
	dg.at(slot, a, func(ctx context.Context, svc *kinbridge.Service) error {
		as, err := liveAssignment(ctx, svc, d.SeriesID, unitID)
		if err != nil {
			return fmt.Errorf("directive %d at unit %d: %w", d.SeriesID, unitID, err)
		}
		if action == kinbridge.AssignmentReport {
			var files []kinbridge.AttachmentUpload
			if attach {
				files = []kinbridge.AttachmentUpload{{Name: "households-not-at-home.txt", Body: strings.NewReader(notAtHome(as))}}
			}
			_, err = svc.SubmitReport(ctx, as.ID, as.Version, text, files)
		} else {
			_, err = svc.StepAssignment(ctx, as.ID, kinbridge.AssignmentStep{Action: action, Version: as.Version, Note: text})
		}
		if err != nil {
			return fmt.Errorf("assignment %d (directive %d, unit %d), %s: %w", as.ID, as.DirectiveID, unitID, action, err)
		}
		return nil
	})
}

// liveAssignment returns the live assignment of a directive series at a
// unit, as the actor of ctx sees it.
func liveAssignment(ctx context.Context, svc *kinbridge.Service, seriesID, unitID int64) (*kinbridge.Assignment, error) {
	rec, err := svc.FindDirective(ctx, seriesID)
	if err != nil {
		return nil, err
	}
	if rec.Current.ID != rec.Directive.ID {
		if rec, err = svc.FindDirective(ctx, rec.Current.ID); err != nil {
			return nil, err
		}
	}
	for _, as := range rec.Assignments {
		if as.UnitID == unitID && as.Live {
			return as, nil
		}
	}
	return nil, fmt.Errorf("no live assignment")
}

// notAtHome is the text of a report's attachment.
func notAtHome(as *kinbridge.Assignment) string {
	return fmt.Sprintf("Households not found at home (unit %d)\n\nTo be visited again next week; the list is kept in the office.\n", as.UnitID)
}

var (
	regionInstructions = []string{
		"Offices report on Fridays by noon. Take the interpreter to the households that speak Chinese only.",
		"Visit the households on the hills first, before the snow closes the roads.",
		"Two officers at every household with a problem still open; report the new problems the same day.",
		"각 사무소는 금요일까지 보고하십시오. 연락이 끊긴 가족을 먼저 방문하십시오.",
		"各办事处每周五前报告。优先走访与国外亲属失去联系的家庭。",
	}
	narratives = []string{
		"We visited the households on our list and recorded every visit and every problem raised. The households not found at home will be visited again next week.",
		"Most households were visited; the problems raised are assigned and being worked on. Two officers were on leave, so the last streets wait until next week.",
		"Visits done as instructed. Several families asked about calls with their relatives abroad; we noted it at each visit.",
		"목록의 가구를 방문하고 모든 방문과 문제를 기록했습니다. 집에 없던 가구는 다음 주에 다시 방문합니다.",
		"已按要求走访名单上的家庭，所有走访和问题均已记录。",
	}
	secondNarratives = []string{
		"Report completed as asked: the households not found at home are listed, with the date of the next attempt.",
		"We added the visits of the last week and the list of households still to see.",
	}
	returnNotes = []string{
		"The report does not say which households were not found at home. Add them and report again.",
		"Please say what was done about the problems still open, and report again.",
		"The evidence shows few visits for the size of your area: explain, and report again.",
	}
	acceptNotes = []string{"Accepted. Thank you.", "Accepted: good work.", "Accepted; keep the weekly rhythm."}
	// extraDirectives are headquarters' own directives to the office level
	// in a data set with few offices: title and body.
	extraDirectives = [][2]string{
		{"Winter heating check", "Check at every visit whether the household can heat its home, and raise a housing problem where it cannot."},
		{"Residence permits due to expire", "List the residents whose permits expire within three months and help them renew them."},
		{"Medicine stocks", "Ask every household with an elderly member whether their medicine lasts until the next allowance."},
		{"Phone numbers of relatives abroad", "Check the phone numbers of the relatives abroad at every visit; many have changed."},
		{"Interpreters needed", "Report which households need an interpreter for their visits and calls."},
		{"Flood preparedness", "Tell the households by the river where to go if the water rises, and note who needs help to leave."},
		{"Holiday family calls", "Ask every household whether it wants a family call during the holidays, and when."},
		{"School enrolment of the children", "Check that every child of school age in the programme's households goes to school."},
	}
)
