package kinbridge

import (
	"fmt"
	"strings"
)

// Action is one thing a user may be allowed to do.
type Action string

// Actions of the platform. Later capabilities add theirs to Policy.
const (
	ActionUnitView          Action = "unit.view"
	ActionUnitCreate        Action = "unit.create"
	ActionUnitRename        Action = "unit.rename"
	ActionUnitMove          Action = "unit.move"
	ActionUserView          Action = "user.view"
	ActionUserCreate        Action = "user.create"
	ActionUserDisable       Action = "user.disable"
	ActionUserResetPassword Action = "user.reset_password"
	ActionAuditView         Action = "audit.view"
	ActionSelf              Action = "self" // own password, language, API tokens

	ActionProgrammeView   Action = "programme.view"
	ActionProgrammeManage Action = "programme.manage"
	ActionRegistryView    Action = "registry.view"
	ActionRegistryEdit    Action = "registry.edit"
	ActionRegistryMerge   Action = "registry.merge"
	ActionRegistryImport  Action = "registry.import"
	ActionRegistryExport  Action = "registry.export"
	ActionRegistryAudit   Action = "registry.audit"

	ActionWelfareView      Action = "welfare.view"
	ActionWelfareRecord    Action = "welfare.record"
	ActionWelfarePlan      Action = "welfare.plan"
	ActionWelfareDashboard Action = "welfare.dashboard"

	ActionDirectiveView    Action = "directive.view"
	ActionDirectiveIssue   Action = "directive.issue"
	ActionDirectiveRespond Action = "directive.respond"
	ActionDirectiveReview  Action = "directive.review"

	ActionDepartureView     Action = "departure.view"
	ActionDepartureRecord   Action = "departure.record"
	ActionDeparturePolicy   Action = "departure.policy"
	ActionDepartureAllocate Action = "departure.allocate"
)

// Permission says which roles may perform an action, on records inside their
// scope. Outside the scope nobody may: such a record is "not found".
type Permission struct {
	Action      Action
	Roles       []Role
	Description string
}

// Policy is the one table of who may do what. docs/AUTHORIZATION.md is
// generated from it and the web authorisation test checks every route
// against it.
var Policy = []Permission{
	{ActionSelf, Roles, "change own password and language, manage own API tokens"},
	{ActionUnitView, Roles, "see units and the unit tree"},
	{ActionUnitCreate, []Role{RoleAdministrator}, "add a unit"},
	{ActionUnitRename, []Role{RoleAdministrator}, "rename a unit, change its time zone"},
	{ActionUnitMove, []Role{RoleAdministrator}, "move a unit and its subtree under another parent"},
	{ActionUserView, []Role{RoleAdministrator, RoleSupervisor}, "list and see users"},
	{ActionUserCreate, []Role{RoleAdministrator}, "add a user"},
	{ActionUserDisable, []Role{RoleAdministrator}, "disable a user (ends their sessions)"},
	{ActionUserResetPassword, []Role{RoleAdministrator}, "set another user's password"},
	{ActionAuditView, []Role{RoleAdministrator, RoleSupervisor}, "read the audit log"},
	{ActionProgrammeView, Roles, "see the programmes"},
	{ActionProgrammeManage, []Role{RoleAdministrator}, "add and change programmes (agency-wide)"},
	{ActionRegistryView, []Role{RoleAdministrator, RoleSupervisor, RoleOfficer, RoleCallCoordinator}, "see households and persons, search"},
	{ActionRegistryEdit, []Role{RoleAdministrator, RoleSupervisor, RoleOfficer}, "add and change households and persons, record status events"},
	{ActionRegistryMerge, []Role{RoleAdministrator, RoleSupervisor}, "merge duplicate persons, dismiss duplicate flags"},
	{ActionRegistryImport, []Role{RoleAdministrator, RoleSupervisor}, "import households from CSV or XLSX"},
	{ActionRegistryExport, []Role{RoleAdministrator, RoleSupervisor}, "export the registry to CSV or XLSX"},
	{ActionRegistryAudit, []Role{RoleAdministrator, RoleSupervisor}, "see who saw a person's record"},
	{ActionWelfareView, []Role{RoleAdministrator, RoleSupervisor, RoleOfficer}, "see visits and problems, queues and escalations"},
	{ActionWelfareRecord, []Role{RoleAdministrator, RoleSupervisor, RoleOfficer}, "record visits, raise and work on problems, refer and accept referrals"},
	{ActionWelfarePlan, []Role{RoleAdministrator, RoleSupervisor}, "set visit plans and households' case officers"},
	{ActionWelfareDashboard, []Role{RoleAdministrator, RoleSupervisor, RoleOfficer, RoleViewer}, "see a unit's welfare dashboard (counts only)"},
	{ActionDirectiveView, []Role{RoleAdministrator, RoleSupervisor, RoleOfficer, RoleViewer}, "see directives, their versions, reports and roll-ups"},
	{ActionDirectiveIssue, []Role{RoleAdministrator, RoleSupervisor}, "issue, pass on, amend and withdraw directives"},
	{ActionDirectiveRespond, []Role{RoleAdministrator, RoleSupervisor, RoleOfficer}, "acknowledge a directive and report on it for one's unit"},
	{ActionDirectiveReview, []Role{RoleAdministrator, RoleSupervisor}, "accept or return the reports on a directive one's unit issued"},
	{ActionCallView, []Role{RoleAdministrator, RoleSupervisor, RoleOfficer, RoleCallCoordinator}, "see calls, free slots, day sheets, week views and weekly plans"},
	{ActionCallBook, []Role{RoleAdministrator, RoleSupervisor, RoleOfficer, RoleCallCoordinator}, "book, cancel and reschedule calls, record how they went, set a household's call settings"},
	{ActionCallPlan, []Role{RoleAdministrator, RoleSupervisor, RoleCallCoordinator}, "plan and book the week's calls, cancel an office's calls for a reason"},
	{ActionCallConfigure, []Role{RoleAdministrator, RoleSupervisor, RoleCallCoordinator}, "set call rooms, office hours, duty rosters, leave and holidays, officers' areas"},
	{ActionDepartureView, []Role{RoleAdministrator, RoleSupervisor, RoleOfficer}, "see the departure list with ranks and reasons, policies, crossings, forecasts and day sheets"},
	{ActionDepartureRecord, []Role{RoleAdministrator, RoleSupervisor, RoleOfficer}, "put people on the departure list, withdraw them, record departures and missed days, print resident codes"},
	{ActionDeparturePolicy, []Role{RoleAdministrator}, "edit, preview and adopt the departure priority policy"},
	{ActionDepartureAllocate, []Role{RoleAdministrator, RoleSupervisor}, "open and close crossings, set their capacities, allocate travel days (allocation itself only at the top unit: it moves requests of the whole agency)"},
}

// Allowed reports whether the role may perform the action at all.
func Allowed(role Role, action Action) bool {
	for _, p := range Policy {
		if p.Action != action {
			continue
		}
		for _, r := range p.Roles {
			if r == role {
				return true
			}
		}
		return false
	}
	return false
}

// Can reports whether the actor may perform the action (scope aside).
func (a *Actor) Can(action Action) bool {
	return a != nil && (a.System || Allowed(a.Role, action))
}

// authorize decides an operation on a record of the unit with the given
// path: out of scope is "not found", exactly like a missing record, so that
// nobody learns what exists outside their subtree; in scope without the
// permission is "forbidden".
func authorize(a *Actor, action Action, unitPath, what string) error {
	if !a.InScope(unitPath) {
		return notFound(what)
	}
	return authorizeAction(a, action)
}

// authorizeAction decides an operation that names no record.
func authorizeAction(a *Actor, action Action) error {
	if !a.Can(action) {
		return &Error{Code: EFORBIDDEN, Message: "Your role may not do this.", Key: "error.forbidden"}
	}
	return nil
}

// Relation is where a record's unit stands relative to the actor's unit; the
// authorisation matrix is written in these terms.
type Relation string

// Relations used by the authorisation matrix.
const (
	RelationOwn     Relation = "own unit"
	RelationChild   Relation = "child unit"
	RelationSibling Relation = "sibling unit"
	RelationParent  Relation = "parent unit"
)

// Relations lists the relations of the matrix.
var Relations = []Relation{RelationOwn, RelationChild, RelationSibling, RelationParent}

// Expect returns the outcome the policy prescribes for a role performing an
// action on a record in the given relation: "allow", "forbidden" or
// "not found".
func Expect(role Role, action Action, rel Relation) string {
	if action != ActionSelf {
		inScope := rel == RelationOwn || (rel == RelationChild && role.SubtreeScope())
		if !inScope {
			return "not found"
		}
	}
	// Nobody moves the unit they work in: its parent, where it would be
	// taken from, is outside their scope (MoveUnit refuses it).
	if action == ActionUnitMove && rel == RelationOwn {
		return "forbidden"
	}
	if Allowed(role, action) {
		return "allow"
	}
	return "forbidden"
}

// AuthorizationMatrix renders the policy as the Markdown table kept in
// docs/AUTHORIZATION.md.
func AuthorizationMatrix() string {
	var b strings.Builder
	b.WriteString("| action | what | ")
	for _, r := range Roles {
		fmt.Fprintf(&b, "%s | ", r)
	}
	b.WriteString("\n|---|---|")
	for range Roles {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, p := range Policy {
		fmt.Fprintf(&b, "| `%s` | %s | ", p.Action, p.Description)
		for _, role := range Roles {
			var cells []string
			for _, rel := range Relations {
				if p.Action == ActionSelf && rel != RelationOwn {
					continue
				}
				switch Expect(role, p.Action, rel) {
				case "allow":
					cells = append(cells, "✓ "+shortRelation(rel))
				}
			}
			if len(cells) == 0 {
				b.WriteString("— | ")
			} else {
				b.WriteString(strings.Join(cells, ", ") + " | ")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func shortRelation(r Relation) string {
	return strings.TrimSuffix(string(r), " unit")
}
