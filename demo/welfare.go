package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The welfare part of the demo: visit plans, case officers, and the last
// weeks of visits and problems. Problems take the time of the transaction
// that writes them, so the past is made by running the service under a
// clock stepped through it: the weeks are played out a slot at a time
// (three a day), each slot one transaction, with the background jobs run
// every simulated week and once more at midnight of today at the end, which
// escalates what is overdue and puts the day's digests in the inboxes.
// The same seed gives the same records, dated from the day of generation.

// welfareDays is how far back the demo's welfare history goes.
const welfareDays = 56

// slotTimes are the local times of the day's slots.
var slotTimes = [][2]int{{9, 30}, {13, 0}, {16, 30}}

// caseOfficerBatch is how many households one transaction gives case
// officers.
const caseOfficerBatch = 20000

// clock is the demo's clock, stepped through the simulated weeks.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t.UTC().Truncate(time.Microsecond)
	c.mu.Unlock()
}

// oneTx is a Store whose every transaction is tx: the service methods
// called through it run in the one transaction the demo opened, so that a
// slot of thousands of visits commits once.
type oneTx struct{ tx kinbridge.Tx }

func (s oneTx) Update(_ context.Context, fn func(kinbridge.Tx) error) error { return fn(s.tx) }
func (s oneTx) View(_ context.Context, fn func(kinbridge.Tx) error) error   { return fn(s.tx) }
func (s oneTx) Read(_ context.Context, fn func(kinbridge.Tx) error) error   { return fn(s.tx) }
func (s oneTx) Ping(context.Context) error                                  { return nil }
func (s oneTx) Close() error                                                { return nil }

// clockSetter is a store whose transactions' clock can be replaced
// (sqlstore.Store).
type clockSetter interface {
	SetClock(kinbridge.Clock)
}

// step is one thing a user does in the simulated weeks.
type step struct {
	actor *kinbridge.Actor
	do    func(ctx context.Context, svc *kinbridge.Service) error
}

// welfareGen plans and plays out the demo's welfare history.
type welfareGen struct {
	rng       *rand.Rand
	start     time.Time // local midnight welfareDays days ago
	loc       *time.Location
	hq        *kinbridge.Unit
	regions   []*kinbridge.Unit
	offices   []*kinbridge.Unit
	reg       *registry
	officers  map[int64][]*kinbridge.User // by unit: its officers
	actors    map[int64]*kinbridge.Actor  // by user id
	parent    map[int64]int64             // office id → region id
	siblings  map[int64][]int64           // office id → the offices of its region that have officers
	regionSup map[int64]*kinbridge.User   // region id → its first supervisor
	slots     [][]step                    // by slot: the steps, in the order they were planned
}

// slot returns the time of slot i.
func (g *welfareGen) slot(i int) time.Time {
	day, s := i/len(slotTimes), slotTimes[i%len(slotTimes)]
	return time.Date(g.start.Year(), g.start.Month(), g.start.Day()+day, s[0], s[1], 0, 0, g.loc)
}

func (g *welfareGen) nSlots() int { return welfareDays * len(slotTimes) }

// at plans a step in slot i, if that slot is in the past; it reports
// whether it did.
func (g *welfareGen) at(i int, a *kinbridge.Actor, do func(ctx context.Context, svc *kinbridge.Service) error) bool {
	if i >= g.nSlots() {
		return false
	}
	g.slots[i] = append(g.slots[i], step{a, do})
	return true
}

func actorOf(u *kinbridge.User) *kinbridge.Actor {
	return &kinbridge.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, UnitID: u.UnitID, UnitPath: u.UnitPath, Lang: u.Lang, Addr: "demo"}
}

// generateWelfare makes the welfare data of the demo, after the registry.
func generateWelfare(ctx context.Context, svc *kinbridge.Service, seed uint64, hq *kinbridge.Unit, regions, offices []*kinbridge.Unit,
	users []*kinbridge.User, reg *registry, files kinbridge.AttachmentStore, progress func(string, int, int)) error {
	store := svc.Store()
	setter, ok := store.(clockSetter)
	if !ok {
		return fmt.Errorf("demo: the store cannot set its clock, so the welfare history cannot be dated in the past")
	}
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		return fmt.Errorf("demo: time zone %s: %w", TimeZone, err)
	}
	today := svc.Clock().Now().In(loc)
	g := &welfareGen{
		// A generator of its own, so that the registry stays what it was.
		rng:   rand.New(rand.NewPCG(seed, 0x77656c6661726521)), // "welfare!"
		start: time.Date(today.Year(), today.Month(), today.Day()-welfareDays, 0, 0, 0, 0, loc),
		loc:   loc, hq: hq, regions: regions, offices: offices, reg: reg,
		officers: map[int64][]*kinbridge.User{}, actors: map[int64]*kinbridge.Actor{}, parent: map[int64]int64{},
		siblings: map[int64][]int64{}, regionSup: map[int64]*kinbridge.User{},
	}
	g.slots = make([][]step, g.nSlots())
	paths := map[int64]string{hq.ID: hq.Path}
	for _, u := range append(append([]*kinbridge.Unit(nil), regions...), offices...) {
		paths[u.ID] = u.Path
	}
	for _, u := range users {
		u.UnitPath = paths[u.UnitID]
		g.actors[u.ID] = actorOf(u)
		switch u.Role {
		case kinbridge.RoleOfficer:
			g.officers[u.UnitID] = append(g.officers[u.UnitID], u)
		case kinbridge.RoleSupervisor:
			if g.regionSup[u.UnitID] == nil {
				g.regionSup[u.UnitID] = u
			}
		}
	}
	for _, o := range offices {
		g.parent[o.ID] = o.ParentID
	}
	for _, o := range offices {
		for _, s := range offices {
			if s.ID != o.ID && s.ParentID == o.ParentID && len(g.officers[s.ID]) > 0 {
				g.siblings[o.ID] = append(g.siblings[o.ID], s.ID)
			}
		}
	}

	clk := &clock{}
	clk.set(g.slot(0).Add(-time.Hour))
	setter.SetClock(clk)
	defer setter.SetClock(kinbridge.SystemClock{})

	caseOfficers, err := g.caseOfficers(ctx, store, clk, progress)
	if err != nil {
		return err
	}
	if err := g.plans(ctx, store, clk); err != nil {
		return err
	}
	g.plan(caseOfficers)
	// The directives and their reports happen amid the visits and problems
	// (directives.go), so that the evidence of each report is what the
	// records held at its time.
	if err := g.planDirectives(seed, users, files); err != nil {
		return err
	}

	progress("weeks", 0, g.nSlots())
	for i := range g.slots {
		clk.set(g.slot(i))
		err := store.Update(ctx, func(tx kinbridge.Tx) error {
			tsvc := kinbridge.NewService(oneTx{tx}, clk, kinbridge.DefaultServiceConfig())
			tsvc.SetAttachmentStore(files)
			for _, s := range g.slots[i] {
				if err := s.do(kinbridge.NewContextWithActor(ctx, s.actor), tsvc); err != nil {
					return fmt.Errorf("as %s: %w", s.actor.Username, err)
				}
			}
			// The jobs run every evening of the week's last day.
			if i%(7*len(slotTimes)) == 7*len(slotTimes)-1 {
				if _, err := tsvc.RunJobs(ctx, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo: welfare on %s: %w", g.slot(i).Format("2006-01-02 15:04"), err)
		}
		g.slots[i] = nil
		progress("weeks", i+1, g.nSlots())
	}
	// The night's run, at midnight: what is overdue by then escalates, and
	// today's digests are made. Midnight rather than now, so that the same
	// seed gives the same escalations at any time of the day; the server's
	// jobs catch up on the hours since when it starts.
	clk.set(time.Date(g.start.Year(), g.start.Month(), g.start.Day()+welfareDays, 0, 0, 0, 0, loc))
	if _, err := kinbridge.NewService(store, clk, kinbridge.DefaultServiceConfig()).RunJobs(ctx, nil); err != nil {
		return fmt.Errorf("demo: background jobs: %w", err)
	}
	return nil
}

// caseOfficers gives each household of an office with officers a case
// officer, round-robin over the office's officers in the order the
// households were made. It returns them by household index (nil: none).
func (g *welfareGen) caseOfficers(ctx context.Context, store kinbridge.Store, clk *clock, progress func(string, int, int)) ([]*kinbridge.User, error) {
	hs := g.reg.households
	officers := make([]*kinbridge.User, len(hs))
	next := map[int64]int{}
	for i, h := range hs {
		if os := g.officers[h.UnitID]; len(os) > 0 {
			officers[i] = os[next[h.UnitID]%len(os)]
			next[h.UnitID]++
		}
	}
	progress("caseload", 0, len(hs))
	for start := 0; start < len(hs); start += caseOfficerBatch {
		end := min(start+caseOfficerBatch, len(hs))
		err := store.Update(ctx, func(tx kinbridge.Tx) error {
			tsvc := kinbridge.NewService(oneTx{tx}, clk, kinbridge.DefaultServiceConfig())
			for i := start; i < end; i++ {
				if officers[i] == nil {
					continue
				}
				if err := tsvc.SetCaseOfficer(ctx, hs[i].ID, officers[i].ID); err != nil {
					return fmt.Errorf("household %d: %w", hs[i].ID, err)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("demo: case officers: %w", err)
		}
		progress("caseload", end, len(hs))
	}
	return officers, nil
}

// plans sets the visit plans: every household of the first programme is
// visited every 30 days (headquarters' plan), and in the first region the
// separated families every 14 days.
func (g *welfareGen) plans(ctx context.Context, store kinbridge.Store, clk *clock) error {
	return store.Update(ctx, func(tx kinbridge.Tx) error {
		tsvc := kinbridge.NewService(oneTx{tx}, clk, kinbridge.DefaultServiceConfig())
		for _, p := range []*kinbridge.VisitPlan{
			{UnitID: g.hq.ID, ProgrammeID: g.reg.programmeIDs[0], EveryDays: 30, Active: true},
			{UnitID: g.regions[0].ID, ProgrammeID: g.reg.programmeIDs[1], EveryDays: 14, Active: true},
		} {
			if err := tsvc.SaveVisitPlan(ctx, p); err != nil {
				return fmt.Errorf("demo: visit plan: %w", err)
			}
		}
		return nil
	})
}

// fate is how a problem's story goes.
type fate int

const (
	fateOpen       fate = iota // raised, nothing since
	fateInProgress             // started
	fateAssigned               // handed to another officer of the unit
	fateResolved               // started, resolved
	fateGivenUp                // started, cannot be resolved
	fateReopened               // resolved, then reopened
	fateReferred               // referred to a sibling office, waiting
	fateAccepted               // referred, accepted there, started
	fateSentBack               // referred, sent back
)

// fateWeights are the shares of the fates, in per mille.
var fateWeights = []int{170, 140, 50, 250, 70, 60, 80, 120, 60}

func (g *welfareGen) pickFate() fate {
	r := g.rng.IntN(1000)
	for f, w := range fateWeights {
		if r < w {
			return fate(f)
		}
		r -= w
	}
	return fateOpen
}

// visitShare is the percentage of households visited in the simulated
// weeks: fewer in the large data sets, whose generation time it bounds.
func visitShare(households int) int {
	switch {
	case households <= 1000:
		return 60
	case households <= 50000:
		return 50
	}
	return 25
}

// plan plans the visits of the simulated weeks and the story of every
// problem raised at them: a share of the households (visitShare) is
// visited, some twice; a visit raises up to two problems.
func (g *welfareGen) plan(caseOfficers []*kinbridge.User) {
	rng := g.rng
	n := g.nSlots()
	share := visitShare(len(g.reg.households))
	for i, h := range g.reg.households {
		officer := caseOfficers[i]
		if officer == nil || rng.IntN(100) >= share {
			continue
		}
		visits := 1
		if rng.IntN(100) < 15 {
			visits = 2
		}
		// The later of two draws: most households were seen in the last
		// month, as a 30-day plan wants, some long ago.
		first := max(rng.IntN(n), rng.IntN(n))
		for v := range visits {
			s := first + v*(1+rng.IntN(n/2))
			if s >= n {
				break
			}
			g.planVisit(s, h, officer)
		}
	}
}

// planVisit plans a visit of officer to household h in slot s, and its
// problems' stories.
func (g *welfareGen) planVisit(s int, h demoHousehold, officer *kinbridge.User) {
	rng := g.rng
	a := g.actors[officer.ID]
	at := g.slot(s).Add(-time.Duration(30+rng.IntN(150)) * time.Minute)
	v := &kinbridge.Visit{HouseholdID: h.ID, At: at, OfficerIDs: []int64{officer.ID},
		Purpose: visitPurposes[rng.IntN(len(visitPurposes))], Notes: visitNotes[rng.IntN(len(visitNotes))]}
	if others := g.officers[h.UnitID]; len(others) > 1 && rng.IntN(5) == 0 {
		if o := others[rng.IntN(len(others))]; o.ID != officer.ID {
			v.OfficerIDs = append(v.OfficerIDs, o.ID) // a colleague came along
		}
	}
	if h.HeadID != 0 && rng.IntN(3) == 0 {
		v.PersonIDs = []int64{h.HeadID} // the head was met (else: not recorded)
	}
	var problems []*kinbridge.Problem
	switch r := rng.IntN(100); {
	case r < 35:
		problems = make([]*kinbridge.Problem, 1)
	case r < 50:
		problems = make([]*kinbridge.Problem, 2)
	}
	for k := range problems {
		c := kinbridge.DefaultCategories[rng.IntN(len(kinbridge.DefaultCategories))].Code
		texts := problemTexts[c]
		p := &kinbridge.Problem{ProgrammeID: g.reg.programmeIDs[0], Category: c, Description: texts[rng.IntN(len(texts))],
			Priority: kinbridge.Priorities[min(rng.IntN(6), 3)], AssigneeID: officer.ID}
		if h.HeadID != 0 && rng.IntN(3) == 0 {
			p.PersonID = h.HeadID
		}
		problems[k] = p
	}
	g.at(s, a, func(ctx context.Context, svc *kinbridge.Service) error {
		return svc.RecordVisit(ctx, v, problems)
	})
	for _, p := range problems {
		g.planProblem(s, p, h, officer)
	}
}

// planProblem plans the story of problem p, raised in slot s by officer.
func (g *welfareGen) planProblem(s int, p *kinbridge.Problem, h demoHousehold, officer *kinbridge.User) {
	rng := g.rng
	a := g.actors[officer.ID]
	change := func(slot int, who *kinbridge.Actor, c kinbridge.ProblemChange) bool {
		return g.at(slot, who, func(ctx context.Context, svc *kinbridge.Service) error {
			_, err := svc.ChangeProblem(ctx, p.ID, c)
			if err != nil {
				return fmt.Errorf("problem %d, %s: %w", p.ID, c.Action, err)
			}
			return nil
		})
	}
	later := func(from int) int { return from + 1 + rng.IntN(3*len(slotTimes)) }
	// A comment comes first, while the problem is surely still the
	// officer's.
	if rng.IntN(100) < 25 {
		change(s+1, a, kinbridge.ProblemChange{Action: kinbridge.ProblemComment, Note: comments[rng.IntN(len(comments))]})
	}
	t := later(s + 1)
	switch g.pickFate() {
	case fateOpen:
	case fateInProgress:
		change(t, a, kinbridge.ProblemChange{Action: kinbridge.ProblemStart})
	case fateAssigned:
		if os := g.officers[h.UnitID]; len(os) > 1 {
			other := os[(indexOf(os, officer)+1)%len(os)]
			change(t, a, kinbridge.ProblemChange{Action: kinbridge.ProblemAssign, AssigneeID: other.ID, Note: "Handing over: I am on leave next week."})
		}
	case fateResolved:
		if change(t, a, kinbridge.ProblemChange{Action: kinbridge.ProblemStart}) {
			change(later(t), a, kinbridge.ProblemChange{Action: kinbridge.ProblemResolve, Note: resolutions[rng.IntN(len(resolutions))]})
		}
	case fateGivenUp:
		if change(t, a, kinbridge.ProblemChange{Action: kinbridge.ProblemStart}) {
			change(later(t), a, kinbridge.ProblemChange{Action: kinbridge.ProblemGiveUp, Note: giveUpReasons[rng.IntN(len(giveUpReasons))]})
		}
	case fateReopened:
		if change(t, a, kinbridge.ProblemChange{Action: kinbridge.ProblemResolve, Note: resolutions[rng.IntN(len(resolutions))]}) {
			change(later(t), a, kinbridge.ProblemChange{Action: kinbridge.ProblemReopen, Note: "The family says it happened again."})
		}
	case fateReferred, fateAccepted, fateSentBack:
		f := g.pickFateReferral()
		target, who := g.referralTarget(h.UnitID)
		if target == 0 {
			break
		}
		if !change(t, a, kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: target, Note: referralNotes[rng.IntN(len(referralNotes))]}) {
			break
		}
		switch f {
		case fateAccepted:
			t2 := later(t)
			if change(t2, who, kinbridge.ProblemChange{Action: kinbridge.ProblemAccept, Note: "We take it: the family lives near our office."}) && rng.IntN(2) == 0 {
				change(later(t2), who, kinbridge.ProblemChange{Action: kinbridge.ProblemStart})
			}
		case fateSentBack:
			change(later(t), who, kinbridge.ProblemChange{Action: kinbridge.ProblemSendBack, Note: "Not ours: the household is registered with your office."})
		}
	}
}

// pickFateReferral splits the referrals: waiting, accepted, sent back, in
// the shares of fateWeights.
func (g *welfareGen) pickFateReferral() fate {
	w := fateWeights
	r := g.rng.IntN(w[fateReferred] + w[fateAccepted] + w[fateSentBack])
	switch {
	case r < w[fateReferred]:
		return fateReferred
	case r < w[fateReferred]+w[fateAccepted]:
		return fateAccepted
	}
	return fateSentBack
}

// referralTarget chooses where an office refers a problem — a sibling
// office with officers, or, without one, the region — and who there
// answers. 0 if there is nobody to answer.
func (g *welfareGen) referralTarget(office int64) (int64, *kinbridge.Actor) {
	if sib := g.siblings[office]; len(sib) > 0 {
		unit := sib[g.rng.IntN(len(sib))]
		os := g.officers[unit]
		return unit, g.actors[os[g.rng.IntN(len(os))].ID]
	}
	region := g.parent[office]
	if sup := g.regionSup[region]; sup != nil {
		return region, g.actors[sup.ID]
	}
	return 0, nil
}

func indexOf(us []*kinbridge.User, u *kinbridge.User) int {
	for i, x := range us {
		if x.ID == u.ID {
			return i
		}
	}
	return 0
}

var (
	visitPurposes = []string{"Regular visit", "Follow-up visit", "Check after a hospital stay", "Visit with the interpreter", "Winter heating check", "Family call preparation"}
	visitNotes    = []string{
		"Everyone at home; the head of the household spoke for the family.",
		"Only the head was at home. The children were at school.",
		"The family asked about the border news and their relatives' letters.",
		"Flat is cold; the family uses one room only.",
		"Neighbours help with shopping. Mood is good.",
		"The head was tired and asked us to come back next month.",
		"가족 모두 건강해 보였습니다. 다음 달에 다시 방문하기로 했습니다.",
		"家里一切正常，老人希望尽快和国外的亲属通话。",
	}
	problemTexts = map[string][]string{
		"health":         {"The head's blood pressure medicine runs out next week.", "A child has had a cough for three weeks and has not seen a doctor.", "Needs new glasses; cannot read the letters from abroad.", "노인의 무릎 통증이 심해져 병원 진료가 필요합니다."},
		"food":           {"No rice left until the next allowance.", "The family skips meals at the end of the month.", "老人独居，做饭困难，需要送餐。"},
		"housing":        {"The roof leaks over the children's bed.", "The landlord wants the flat back by the end of the month.", "No heating since the boiler broke.", "창문이 깨져 겨울 전에 수리가 필요합니다."},
		"documents":      {"Residence permit expires next month.", "Lost the passport during the move.", "Needs a certified translation of the birth certificate.", "居留证即将到期，需要办理延期。"},
		"money":          {"Cannot pay the electricity bill this month.", "Lost the job at the market; no income since.", "Debt to a neighbour is causing trouble."},
		"family_contact": {"Has not heard from the son abroad for two months.", "Wants a family call before the mother's birthday.", "The relatives' phone number abroad has changed.", "希望和在国外的女儿视频通话。"},
		"work":           {"Looking for work; has a driving licence.", "Employer does not pay the last two months' wages.", "Needs a work permit renewal for the new job."},
		"other":          {"Asks for help writing a letter to the embassy.", "Wants to learn the language; asks about classes.", "Conflict with neighbours about noise."},
	}
	comments      = []string{"Called the family: no change.", "Asked the clinic for an appointment.", "Waiting for an answer from the landlord.", "가족과 통화했습니다. 변동 없음.", "已联系相关部门，等待答复。"}
	resolutions   = []string{"Done: the family has what it needed.", "Solved with the help of the neighbourhood committee.", "The clinic saw the patient; treatment started.", "New documents issued.", "해결되었습니다. 가족이 만족해 합니다."}
	giveUpReasons = []string{"The family refuses further help.", "Outside our remit: only the embassy can act, and it does not answer.", "The household moved away without a new address."}
	referralNotes = []string{"The family now lives closer to your office.", "Your office has the interpreter the family needs.", "Your office handles these cases in the region."}
)
