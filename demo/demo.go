// Package demo generates the deterministic demo data set of kinbridge: the
// same size and seed give the same data, so that benchmarks and screenshots
// can be compared across machines. It writes only through the domain
// service, so demo data obeys every rule and is audited like any other.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/kinbridge/kinbridge"
)

// Size is one of the data-set sizes of PERFORMANCE.md. Persons are the
// residents of the households; relatives abroad come on top of them.
type Size struct {
	Name       string
	Units      int
	Officers   int
	Households int
	Persons    int
	Relatives  int
}

// Sizes are the three data-set sizes, by name.
var Sizes = map[string]Size{
	"town":     {"town", 3, 10, 500, 1500, 400},
	"province": {"province", 60, 400, 20000, 60000, 16000},
	"nation":   {"nation", 1200, 10000, 500000, 1500000, 400000},
}

// SizeNames lists the size names, smallest first.
var SizeNames = []string{"town", "province", "nation"}

// Password is the password of every demo user. It is printed with the logins;
// a demo database is for trying kinbridge out, never for real records.
const Password = "kinbridge-demo"

// TimeZone is the time zone of the demo units.
const TimeZone = "Asia/Pyongyang"

// Login is a demo user to sign in as.
type Login struct {
	Username string
	Role     kinbridge.Role
	Unit     string
}

// Logins are the fixed demo users, one per role.
var Logins = []Login{
	{"admin", kinbridge.RoleAdministrator, "headquarters"},
	{"supervisor", kinbridge.RoleSupervisor, "first region"},
	{"officer", kinbridge.RoleOfficer, "first local office"},
	{"coordinator", kinbridge.RoleCallCoordinator, "first local office"},
	{"viewer", kinbridge.RoleViewer, "headquarters"},
}

// Options control Generate.
type Options struct {
	Size Size
	Seed uint64
	// Files, if not nil, keeps the attachments of some of the demo's
	// reports; without it the reports have none.
	Files kinbridge.AttachmentStore
	// Progress, if not nil, is told what is being made and how far along.
	Progress func(stage string, done, total int)
}

// Generate fills an empty database with the demo data set as the actor of
// ctx (the command line): units, users, the programmes, and the registry —
// households with their residents (names in several scripts, birth dates,
// documents, phones, programmes), relatives abroad linked to them, and the
// status histories of a few percent of the residents — then the welfare
// work of the last eight weeks (see welfare.go): visit plans, a case officer
// for every household of an office with officers, visits, and problems in
// every state with their history, referrals, escalations and the
// notifications they made — and, in the same weeks, headquarters'
// directive passed on by the regions to their offices, in every state of
// an assignment (see directives.go) — and the family calls of last week,
// this week and a draft plan of next week (see calls.go). Each stage is one transaction, or for the
// registry one per chunk of about 50,000 rows, for the welfare history one
// per simulated slot of a day; a failure stops the generation where it is.
// The store's clock is stepped through the past weeks and set back to the
// system clock at the end.
func Generate(ctx context.Context, svc *kinbridge.Service, opt Options) error {
	if opt.Size.Units < 3 {
		return fmt.Errorf("demo: size %q needs at least 3 units", opt.Size.Name)
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6b696e6272696467)) // "kinbridg"

	// The tree: headquarters, regions, and local offices spread over them.
	hq := &kinbridge.Unit{Names: kinbridge.UnitNames{EN: "Headquarters", KO: "본부", ZH: "总部"}, TimeZone: TimeZone}
	progress("units", 0, opt.Size.Units)
	if err := svc.CreateUnit(ctx, hq); err != nil {
		return fmt.Errorf("demo: headquarters: %w", err)
	}
	nRegions := max(1, (opt.Size.Units-1)/12)
	regions := make([]*kinbridge.Unit, nRegions)
	for i := range regions {
		p := places[i%len(places)]
		regions[i] = &kinbridge.Unit{ParentID: hq.ID, TimeZone: TimeZone, Names: kinbridge.UnitNames{
			EN: numbered(p.en+" Region", i, len(places)), KO: numbered(p.ko+" 지역", i, len(places)), ZH: numbered(p.zh+"地区", i, len(places)),
		}}
	}
	if err := svc.CreateUnits(ctx, regions, nil); err != nil {
		return fmt.Errorf("demo: regions: %w", err)
	}
	progress("units", 1+nRegions, opt.Size.Units)
	offices := make([]*kinbridge.Unit, opt.Size.Units-1-nRegions)
	for i := range offices {
		region := regions[i%nRegions]
		p := places[(i*7+3)%len(places)]
		offices[i] = &kinbridge.Unit{ParentID: region.ID, TimeZone: TimeZone, Names: kinbridge.UnitNames{
			EN: numbered(p.en+" Office", i, len(places)), KO: numbered(p.ko+" 사무소", i, len(places)), ZH: numbered(p.zh+"办事处", i, len(places)),
		}}
	}
	if err := svc.CreateUnits(ctx, offices, func(done int) { progress("units", 1+nRegions+done, opt.Size.Units) }); err != nil {
		return fmt.Errorf("demo: offices: %w", err)
	}
	progress("units", opt.Size.Units, opt.Size.Units)

	// One hash for every demo user: argon2id is slow on purpose, and the
	// demo has one password.
	hash, err := kinbridge.HashPassword(Password)
	if err != nil {
		return err
	}
	fixed := map[string]int64{"headquarters": hq.ID, "first region": regions[0].ID, "first local office": offices[0].ID}
	var users []kinbridge.NewUser
	for _, l := range Logins {
		users = append(users, kinbridge.NewUser{Username: l.Username, DisplayName: displayName(rng), Role: l.Role, UnitID: fixed[l.Unit], PasswordHash: hash})
	}
	for i := range opt.Size.Officers {
		users = append(users, kinbridge.NewUser{
			Username: fmt.Sprintf("officer%05d", i+1), DisplayName: displayName(rng), Role: kinbridge.RoleOfficer,
			UnitID: offices[rng.IntN(len(offices))].ID, PasswordHash: hash, Lang: kinbridge.Langs[rng.IntN(len(kinbridge.Langs))],
		})
	}
	// Every office gets a supervisor and a call coordinator, every region a
	// supervisor, so that each unit can be tried with each role.
	for i, r := range regions {
		users = append(users, kinbridge.NewUser{Username: fmt.Sprintf("supervisor-r%03d", i+1), DisplayName: displayName(rng), Role: kinbridge.RoleSupervisor, UnitID: r.ID, PasswordHash: hash})
	}
	for i, o := range offices {
		users = append(users, kinbridge.NewUser{Username: fmt.Sprintf("coordinator-o%04d", i+1), DisplayName: displayName(rng), Role: kinbridge.RoleCallCoordinator, UnitID: o.ID, PasswordHash: hash})
	}
	progress("users", 0, len(users))
	made, err := svc.CreateUsers(ctx, users, func(done int) { progress("users", done, len(users)) })
	if err != nil {
		return fmt.Errorf("demo: users: %w", err)
	}
	progress("users", len(users), len(users))

	reg, err := generateRegistry(ctx, svc, rng, opt.Seed, opt.Size, offices, progress)
	if err != nil {
		return err
	}
	if err := generateWelfare(ctx, svc, opt.Seed, hq, regions, offices, made, reg, opt.Files, progress); err != nil {
		return err
	}
	if err := generateCalls(ctx, svc, opt.Seed, hq, offices, made, reg, progress); err != nil {
		return err
	}
	return generateDepartures(ctx, svc, opt.Seed, reg, progress)
}

func numbered(name string, i, n int) string {
	if i < n {
		return name
	}
	return fmt.Sprintf("%s %d", name, i/n+1)
}

// place is a made-up place name in the three UI languages.
type place struct{ en, ko, zh string }

var places = []place{
	{"Riverside", "강변", "江边"}, {"Hillside", "언덕", "山坡"}, {"Harbour", "항구", "港口"}, {"Pine Valley", "솔골", "松谷"},
	{"East Gate", "동문", "东门"}, {"West Gate", "서문", "西门"}, {"North Field", "북들", "北田"}, {"South Bank", "남안", "南岸"},
	{"Stone Bridge", "돌다리", "石桥"}, {"Willow Lane", "버들길", "柳巷"}, {"Lake View", "호수", "湖景"}, {"Old Market", "옛장터", "老市场"},
	{"Mill Town", "방앗골", "磨坊镇"}, {"Cedar Hill", "백향산", "雪松山"}, {"Spring Well", "샘골", "泉井"}, {"Red Cliff", "붉은벼랑", "赤壁"},
}

var (
	familyNames = []string{"Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Wang", "Li", "Zhang", "Liu", "Chen", "Yang"}
	givenNames  = []string{"Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-yun", "Su-bin", "Wei", "Fang", "Jing", "Lei", "Hui", "Tao", "Yong", "Mei", "Sung-min", "Eun-ji"}
)

func displayName(rng *rand.Rand) string {
	return familyNames[rng.IntN(len(familyNames))] + " " + givenNames[rng.IntN(len(givenNames))]
}
