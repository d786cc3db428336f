package web

import (
	"net/http"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// targetKind says which record a route acts on, and where the request names
// it. The authorisation test places that record in each unit relation
// (own, child, sibling, parent) and expects what kinbridge.Expect says.
type targetKind int

const (
	targetNone             targetKind = iota // no record: a list, or the caller's own account
	targetUnit                               // the {id} in the path is a unit
	targetUser                               // the {id} in the path is a user
	targetParentField                        // the parent_id input is the unit a new unit goes under
	targetUnitField                          // the unit_id input is the unit a new user or household belongs to
	targetOwnToken                           // the {id} in the path is one of the caller's API tokens
	targetProgramme                          // the {id} in the path is a programme (agency-wide: no unit)
	targetHousehold                          // the {id} in the path is a household (by its unit)
	targetPerson                             // the {id} in the path is a person (by their household's unit)
	targetRelative                           // the {id} in the path is a relative abroad (by their household's unit)
	targetHouseholdField                     // the household_id input is the household a new person joins
	targetOwnImport                          // the {id} in the path is one of the caller's imports
	targetProblem                            // the {id} in the path is a problem (by the unit that holds it)
	targetVisit                              // the {id} in the path is a visit (by its household's unit)
	targetVisitPlan                          // the {id} in the path is a visit plan (by its unit)
	targetDirective                          // the {id} in the path is a directive (by its issuing unit)
	targetReceived                           // the {id} in the path is a directive (by the unit it is addressed to)
	targetAssignment                         // the {id} in the path is an assignment (by its unit)
	targetReview                             // the {id} in the path is an assignment (by its directive's issuing unit)
	targetAttachment                         // the {id} in the path is a report's attachment (by the report's unit)
	targetIssuerField                        // the issuer_unit_id input is the unit that issues a directive
	targetCall                               // the {id} in the path is a call (by the office that holds it)
	targetCallPlan                           // the {id} in the path is a weekly call plan (by its unit)
	targetRosterException                    // the {id} in the path is a roster exception (by its office)
	targetOwnCalendarToken                   // the {id} in the path is one of the caller's calendar feed tokens
	targetDeparture                          // the {id} in the path is a departure request (by its household's unit)
	targetResidentCode                       // the {id} in the path is a resident code (by its request's household's unit)
	targetDeparturePolicy                    // the {id} in the path is a departure policy version (agency-wide)
	targetCrossing                           // the {id} in the path is a border crossing (agency-wide)
)

// String describes the target for docs/AUTHORIZATION.md.
func (t targetKind) String() string {
	switch t {
	case targetUnit:
		return "unit `{id}`"
	case targetUser:
		return "user `{id}` (by their unit)"
	case targetParentField:
		return "unit `parent_id`"
	case targetUnitField:
		return "unit `unit_id`"
	case targetOwnToken:
		return "own API token `{id}`"
	case targetProgramme:
		return "programme `{id}` (agency-wide)"
	case targetHousehold:
		return "household `{id}` (by its unit)"
	case targetPerson:
		return "person `{id}` (by their household's unit)"
	case targetRelative:
		return "relative abroad `{id}` (by their household's unit)"
	case targetHouseholdField:
		return "household `household_id`"
	case targetOwnImport:
		return "own import `{id}`"
	case targetProblem:
		return "problem `{id}` (by the unit that holds it)"
	case targetVisit:
		return "visit `{id}` (by its household's unit)"
	case targetVisitPlan:
		return "visit plan `{id}` (by its unit)"
	case targetDirective:
		return "directive `{id}` (by its issuing unit)"
	case targetReceived:
		return "directive `{id}` (by the unit it is addressed to)"
	case targetAssignment:
		return "assignment `{id}` (by its unit)"
	case targetReview:
		return "assignment `{id}` (by its directive's issuing unit)"
	case targetAttachment:
		return "attachment `{id}` (by its report's unit)"
	case targetIssuerField:
		return "unit `issuer_unit_id`"
	case targetCall:
		return "call `{id}` (by the office that holds it)"
	case targetCallPlan:
		return "weekly call plan `{id}` (by its unit)"
	case targetRosterException:
		return "roster exception `{id}` (by its office)"
	case targetOwnCalendarToken:
		return "own calendar feed token `{id}`"
	case targetDeparture:
		return "departure request `{id}` (by its household's unit)"
	case targetResidentCode:
		return "resident code `{id}` (by its request's household's unit)"
	case targetDeparturePolicy:
		return "departure policy `{id}` (agency-wide)"
	case targetCrossing:
		return "crossing `{id}` (agency-wide)"
	}
	return "—"
}

// route is one entry of the route table, the single list from which the mux
// is built and against which the OpenAPI and authorisation tests run.
type route struct {
	method  string
	pattern string
	// action is what the service will authorise; "" for public routes.
	action kinbridge.Action
	target targetKind
	// api routes authenticate with a bearer token and answer JSON; the
	// others are pages that authenticate with the session cookie.
	api bool
	// public routes need no sign-in.
	public  bool
	handler http.HandlerFunc
}

// routeTable is every route of the site.
func (s *Server) routeTable() []route {
	const (
		self       = kinbridge.ActionSelf
		unitView   = kinbridge.ActionUnitView
		unitCreate = kinbridge.ActionUnitCreate
		unitRename = kinbridge.ActionUnitRename
		unitMove   = kinbridge.ActionUnitMove
		userView   = kinbridge.ActionUserView
		userCreate = kinbridge.ActionUserCreate
		userAble   = kinbridge.ActionUserDisable
		userPass   = kinbridge.ActionUserResetPassword
		auditView  = kinbridge.ActionAuditView
		progView   = kinbridge.ActionProgrammeView
		progManage = kinbridge.ActionProgrammeManage
		regView    = kinbridge.ActionRegistryView
		regEdit    = kinbridge.ActionRegistryEdit
		regMerge   = kinbridge.ActionRegistryMerge
		regImport  = kinbridge.ActionRegistryImport
		regExport  = kinbridge.ActionRegistryExport
		regAudit   = kinbridge.ActionRegistryAudit
		welView    = kinbridge.ActionWelfareView
		welRecord  = kinbridge.ActionWelfareRecord
		welPlan    = kinbridge.ActionWelfarePlan
		welDash    = kinbridge.ActionWelfareDashboard
		dirView    = kinbridge.ActionDirectiveView
		dirIssue   = kinbridge.ActionDirectiveIssue
		dirRespond = kinbridge.ActionDirectiveRespond
		dirReview  = kinbridge.ActionDirectiveReview
		callView   = kinbridge.ActionCallView
		callBook   = kinbridge.ActionCallBook
		callPlan   = kinbridge.ActionCallPlan
		callConfig = kinbridge.ActionCallConfigure
		depView    = kinbridge.ActionDepartureView
		depRecord  = kinbridge.ActionDepartureRecord
		depPolicy  = kinbridge.ActionDeparturePolicy
		depAlloc   = kinbridge.ActionDepartureAllocate
	)
	page := func(method, pattern string, action kinbridge.Action, target targetKind, h http.HandlerFunc) route {
		return route{method: method, pattern: pattern, action: action, target: target, handler: h}
	}
	api := func(method, pattern string, action kinbridge.Action, target targetKind, h http.HandlerFunc) route {
		return route{method: method, pattern: "/api/v1" + pattern, action: action, target: target, api: true, handler: h}
	}
	public := func(method, pattern string, isAPI bool, h http.HandlerFunc) route {
		return route{method: method, pattern: pattern, api: isAPI, public: true, handler: h}
	}
	return []route{
		// Operations and assets.
		public("GET", "/healthz", false, s.serveHealth),
		public("GET", "/metrics", false, s.serveMetrics),
		public("GET", "/static/", false, s.serveStatic),

		// Signing in and out.
		public("GET", "/login", false, s.showLogin),
		public("POST", "/login", false, s.login),
		public("POST", "/language", false, s.setVisitorLanguage),
		page("POST", "/logout", self, targetNone, s.logout),

		// Pages.
		page("GET", "/{$}", self, targetNone, s.showHome),
		page("GET", "/units", unitView, targetNone, s.showUnits),
		page("POST", "/units", unitCreate, targetParentField, s.createUnit),
		page("GET", "/units/{id}", unitView, targetUnit, s.showUnit),
		page("POST", "/units/{id}/rename", unitRename, targetUnit, s.renameUnit),
		page("POST", "/units/{id}/move", unitMove, targetUnit, s.moveUnit),
		page("GET", "/users", userView, targetNone, s.showUsers),
		page("POST", "/users", userCreate, targetUnitField, s.createUser),
		page("GET", "/users/{id}", userView, targetUser, s.showUser),
		page("POST", "/users/{id}/disable", userAble, targetUser, s.disableUser),
		page("POST", "/users/{id}/enable", userAble, targetUser, s.enableUser),
		page("POST", "/users/{id}/password", userPass, targetUser, s.resetPassword),
		page("GET", "/account", self, targetNone, s.showAccount),
		page("POST", "/account/password", self, targetNone, s.changeOwnPassword),
		page("POST", "/account/language", self, targetNone, s.setOwnLanguage),
		page("POST", "/account/tokens", self, targetNone, s.createToken),
		page("POST", "/account/tokens/{id}/revoke", self, targetOwnToken, s.revokeToken),
		page("GET", "/audit", auditView, targetNone, s.showAudit),

		// The registry. A GET that only offers a form (edit, new person,
		// import) declares the action of the form's post: see offer.
		page("GET", "/programmes", progView, targetNone, s.showProgrammes),
		page("POST", "/programmes", progManage, targetNone, s.createProgramme),
		page("GET", "/programmes/{id}", progView, targetProgramme, s.showProgramme),
		page("POST", "/programmes/{id}", progManage, targetProgramme, s.updateProgramme),
		page("GET", "/households", regView, targetNone, s.showHouseholds),
		page("POST", "/households", regEdit, targetUnitField, s.createHousehold),
		page("GET", "/households/{id}", regView, targetHousehold, s.showHousehold),
		page("GET", "/households/{id}/edit", regEdit, targetHousehold, s.showHouseholdEdit),
		page("POST", "/households/{id}", regEdit, targetHousehold, s.updateHousehold),
		page("GET", "/households/{id}/persons/new", regEdit, targetHousehold, s.showPersonNew),
		page("POST", "/persons", regEdit, targetHouseholdField, s.createPerson),
		page("GET", "/persons/{id}", regView, targetPerson, s.showPerson),
		page("GET", "/persons/{id}/edit", regEdit, targetPerson, s.showPersonEdit),
		page("POST", "/persons/{id}", regEdit, targetPerson, s.updatePerson),
		page("POST", "/persons/{id}/status", regEdit, targetPerson, s.addStatusEvent),
		page("POST", "/persons/{id}/links", regEdit, targetRelative, s.linkRelative),
		page("POST", "/persons/{id}/merge", regMerge, targetPerson, s.mergePerson),
		page("POST", "/persons/{id}/dismiss", regMerge, targetPerson, s.dismissDuplicate),
		page("GET", "/persons/{id}/audit", regAudit, targetPerson, s.showWhoSaw),
		page("GET", "/search", regView, targetNone, s.showSearch),
		page("GET", "/duplicates", regMerge, targetNone, s.showDuplicates),
		page("GET", "/import", regImport, targetNone, s.showImport),
		page("POST", "/import", regImport, targetNone, s.startImport),
		page("GET", "/import/{id}", regImport, targetOwnImport, s.showImportJob),
		page("POST", "/import/{id}/skip-invalid", regImport, targetOwnImport, s.importSkippingInvalid),
		page("GET", "/import/{id}/rejected", regImport, targetOwnImport, s.downloadRejected),
		page("GET", "/export", regExport, targetNone, s.downloadExport),

		// Welfare: work lists, visits, problems, plans, notifications.
		page("GET", "/work", welView, targetNone, s.showMyWork),
		page("GET", "/units/{id}/queue", welView, targetUnit, s.showQueue),
		page("GET", "/units/{id}/dashboard", welDash, targetUnit, s.showDashboard),
		page("POST", "/households/{id}/visits", welRecord, targetHousehold, s.recordVisit),
		page("POST", "/households/{id}/case-officer", welPlan, targetHousehold, s.setCaseOfficer),
		page("GET", "/visits/{id}", welView, targetVisit, s.showVisit),
		page("GET", "/problems/{id}", welView, targetProblem, s.showProblem),
		page("POST", "/problems/{id}/actions", welRecord, targetProblem, s.changeProblem),
		page("GET", "/visit-plans", welView, targetNone, s.showVisitPlans),
		page("POST", "/visit-plans", welPlan, targetUnitField, s.createVisitPlan),
		page("POST", "/visit-plans/{id}", welPlan, targetVisitPlan, s.updateVisitPlan),
		page("GET", "/inbox", self, targetNone, s.showInbox),
		page("POST", "/inbox/read", self, targetNone, s.markRead),
		page("POST", "/account/email", self, targetNone, s.setOwnEmail),

		// Directives: inbox and outbox, issuing and passing on, versions,
		// acknowledgement, reports with their evidence, review, roll-up
		// and exports.
		page("GET", "/directives", dirView, targetNone, s.showDirectives),
		page("GET", "/directives/issued", dirView, targetNone, s.showIssuedDirectives),
		page("GET", "/directives/new", dirIssue, targetNone, s.showDirectiveNew),
		page("POST", "/directives", dirIssue, targetIssuerField, s.issueDirective),
		page("GET", "/directives/{id}", dirView, targetDirective, s.showDirective),
		page("GET", "/directives/{id}/pass-on", dirIssue, targetReceived, s.showPassOn),
		page("POST", "/directives/{id}/amend", dirIssue, targetDirective, s.amendDirective),
		page("POST", "/directives/{id}/withdraw", dirIssue, targetDirective, s.withdrawDirective),
		page("GET", "/directives/{id}/reports", dirView, targetDirective, s.showDirectiveReports),
		page("GET", "/directives/{id}/rollup", dirView, targetDirective, s.showRollup),
		page("GET", "/directives/{id}/print", dirView, targetDirective, s.showDirectivePrint),
		page("GET", "/directives/{id}/rollup.xlsx", dirView, targetDirective, s.downloadRollup),
		page("GET", "/directives/{id}/reports.xlsx", dirView, targetDirective, s.downloadReports),
		page("POST", "/assignments/{id}/acknowledge", dirRespond, targetAssignment, s.acknowledgeAssignment),
		page("GET", "/assignments/{id}/report", dirRespond, targetAssignment, s.showReportForm),
		page("POST", "/assignments/{id}/report", dirRespond, targetAssignment, s.submitReport),
		page("POST", "/assignments/{id}/review", dirReview, targetReview, s.reviewAssignment),
		page("GET", "/attachments/{id}", dirView, targetAttachment, s.downloadAttachment),

		// Family calls: a household's calls and settings, the office's day
		// sheet and cancellation, an officer's week and calendar feed, the
		// weekly plan, and the editors of rosters and the call policy.
		page("GET", "/households/{id}/calls", callView, targetHousehold, s.showHouseholdCalls),
		page("POST", "/households/{id}/calls", callBook, targetHousehold, s.bookCall),
		page("POST", "/households/{id}/call-settings", callBook, targetHousehold, s.setHouseholdCallSettings),
		page("POST", "/calls/{id}/cancel", callBook, targetCall, s.cancelCall),
		page("POST", "/calls/{id}/reschedule", callBook, targetCall, s.rescheduleCall),
		page("POST", "/calls/{id}/outcome", callBook, targetCall, s.recordCallOutcome),
		page("GET", "/calls/office/{id}/{day}", callView, targetUnit, s.showOfficeDay),
		page("POST", "/calls/office/{id}/cancel", callPlan, targetUnit, s.cancelOfficeCalls),
		page("GET", "/calls/me", callView, targetNone, s.showMyCallWeek),
		page("GET", "/calls/officer/{id}/{week}", callView, targetUser, s.showOfficerWeek),
		page("POST", "/calls/calendar-tokens", callView, targetNone, s.createCalendarToken),
		page("POST", "/calls/calendar-tokens/{id}/revoke", self, targetOwnCalendarToken, s.revokeCalendarToken),
		page("GET", "/calls/plans", callView, targetNone, s.showCallPlans),
		page("POST", "/calls/plans", callPlan, targetUnitField, s.planCallWeek),
		page("GET", "/calls/plans/{id}", callView, targetCallPlan, s.showCallPlan),
		page("POST", "/calls/plans/{id}/book", callPlan, targetCallPlan, s.bookCallPlan),
		page("GET", "/calls/roster/{id}", callConfig, targetUnit, s.showRoster),
		page("POST", "/calls/roster/{id}/office", callConfig, targetUnit, s.setCallOffice),
		page("POST", "/calls/roster/{id}/template", callConfig, targetUnit, s.setRoster),
		page("POST", "/calls/roster/{id}/exceptions", callConfig, targetUnit, s.addRosterException),
		page("POST", "/calls/exceptions/{id}/delete", callConfig, targetRosterException, s.deleteRosterException),
		page("POST", "/programmes/{id}/call-policy", progManage, targetProgramme, s.setCallPolicy),
		public("GET", "/calendar/{file}", false, s.serveCalendarFeed),

		// The departure list: requests ranked under the adopted policy,
		// their changes and residents' codes, the policy editor with its
		// preview, crossings with allocation, forecast and day sheets, and
		// the residents' own page.
		page("GET", "/departures", depView, targetNone, s.showDepartures),
		page("GET", "/departures/new", depRecord, targetNone, s.showDepartureNew),
		page("POST", "/departures", depRecord, targetHouseholdField, s.createDeparture),
		page("GET", "/departures/requests/{id}", depView, targetDeparture, s.showDeparture),
		page("POST", "/departures/requests/{id}/withdraw", depRecord, targetDeparture, s.withdrawDeparture),
		page("POST", "/departures/requests/{id}/departed", depRecord, targetDeparture, s.markDeparted),
		page("POST", "/departures/requests/{id}/missed", depRecord, targetDeparture, s.markMissed),
		page("POST", "/departures/requests/{id}/codes", depRecord, targetDeparture, s.createResidentCode),
		page("POST", "/departures/codes/{id}/revoke", depRecord, targetResidentCode, s.revokeResidentCode),
		page("GET", "/departures/policies", depView, targetNone, s.showDeparturePolicies),
		page("POST", "/departures/policies", depPolicy, targetNone, s.createDeparturePolicy),
		page("GET", "/departures/policies/{id}", depView, targetDeparturePolicy, s.showDeparturePolicy),
		page("POST", "/departures/policies/{id}", depPolicy, targetDeparturePolicy, s.updateDeparturePolicy),
		page("GET", "/departures/policies/{id}/preview", depPolicy, targetDeparturePolicy, s.showPolicyPreview),
		page("POST", "/departures/policies/{id}/adopt", depPolicy, targetDeparturePolicy, s.adoptDeparturePolicy),
		page("GET", "/departures/crossings", depView, targetNone, s.showCrossings),
		page("POST", "/departures/crossings", depAlloc, targetNone, s.createCrossing),
		page("GET", "/departures/crossings/{id}", depView, targetCrossing, s.showCrossing),
		page("POST", "/departures/crossings/{id}", depAlloc, targetCrossing, s.updateCrossing),
		page("POST", "/departures/crossings/{id}/days", depAlloc, targetCrossing, s.setCrossingDay),
		page("POST", "/departures/crossings/{id}/allocate", depAlloc, targetCrossing, s.allocateCrossing),
		page("GET", "/departures/crossings/{id}/days/{day}", depView, targetCrossing, s.showCrossingDay),
		public("GET", "/resident", false, s.showResident),
		public("POST", "/resident", false, s.lookUpResident),

		// JSON API.
		public("GET", "/api/v1/openapi.json", true, s.serveOpenAPI),
		api("GET", "/me", self, targetNone, s.apiMe),
		api("GET", "/units", unitView, targetNone, s.apiListUnits),
		api("POST", "/units", unitCreate, targetParentField, s.apiCreateUnit),
		api("GET", "/units/{id}", unitView, targetUnit, s.apiGetUnit),
		api("PATCH", "/units/{id}", unitRename, targetUnit, s.apiUpdateUnit),
		api("POST", "/units/{id}/move", unitMove, targetUnit, s.apiMoveUnit),
		api("GET", "/users", userView, targetNone, s.apiListUsers),
		api("POST", "/users", userCreate, targetUnitField, s.apiCreateUser),
		api("GET", "/users/{id}", userView, targetUser, s.apiGetUser),
		api("POST", "/users/{id}/disable", userAble, targetUser, s.apiDisableUser),
		api("POST", "/users/{id}/enable", userAble, targetUser, s.apiEnableUser),
		api("POST", "/users/{id}/password", userPass, targetUser, s.apiResetPassword),
		api("GET", "/audit", auditView, targetNone, s.apiListAudit),
		api("GET", "/tokens", self, targetNone, s.apiListTokens),
		api("POST", "/tokens", self, targetNone, s.apiCreateToken),
		api("DELETE", "/tokens/{id}", self, targetOwnToken, s.apiRevokeToken),
		api("GET", "/programmes", progView, targetNone, s.apiListProgrammes),
		api("POST", "/programmes", progManage, targetNone, s.apiCreateProgramme),
		api("GET", "/programmes/{id}", progView, targetProgramme, s.apiGetProgramme),
		api("PATCH", "/programmes/{id}", progManage, targetProgramme, s.apiUpdateProgramme),
		api("GET", "/households", regView, targetNone, s.apiListHouseholds),
		api("POST", "/households", regEdit, targetUnitField, s.apiCreateHousehold),
		api("GET", "/households/{id}", regView, targetHousehold, s.apiGetHousehold),
		api("PATCH", "/households/{id}", regEdit, targetHousehold, s.apiUpdateHousehold),
		api("POST", "/persons", regEdit, targetHouseholdField, s.apiCreatePerson),
		api("GET", "/persons/{id}", regView, targetPerson, s.apiGetPerson),
		api("PATCH", "/persons/{id}", regEdit, targetPerson, s.apiUpdatePerson),
		api("POST", "/persons/{id}/status-events", regEdit, targetPerson, s.apiAddStatusEvent),
		api("POST", "/persons/{id}/links", regEdit, targetRelative, s.apiLinkRelative),
		api("POST", "/persons/{id}/merge", regMerge, targetPerson, s.apiMergePerson),
		api("POST", "/persons/{id}/dismiss", regMerge, targetPerson, s.apiDismissDuplicate),
		api("GET", "/persons/{id}/who-saw", regAudit, targetPerson, s.apiWhoSaw),
		api("GET", "/search", regView, targetNone, s.apiSearch),
		api("GET", "/duplicates", regMerge, targetNone, s.apiListDuplicates),
		api("POST", "/import", regImport, targetNone, s.apiImport),
		api("GET", "/export", regExport, targetNone, s.apiExport),
		api("GET", "/visits", welView, targetNone, s.apiListVisits),
		api("GET", "/visits/{id}", welView, targetVisit, s.apiGetVisit),
		api("POST", "/households/{id}/visits", welRecord, targetHousehold, s.apiRecordVisit),
		api("POST", "/households/{id}/problems", welRecord, targetHousehold, s.apiCreateProblem),
		api("GET", "/households/{id}/case-officer", welView, targetHousehold, s.apiGetCaseOfficer),
		api("PUT", "/households/{id}/case-officer", welPlan, targetHousehold, s.apiSetCaseOfficer),
		api("GET", "/problems", welView, targetNone, s.apiListProblems),
		api("GET", "/problems/{id}", welView, targetProblem, s.apiGetProblem),
		api("POST", "/problems/{id}/actions", welRecord, targetProblem, s.apiProblemAction),
		api("GET", "/my-work", welView, targetNone, s.apiMyWork),
		api("GET", "/units/{id}/queue", welView, targetUnit, s.apiQueue),
		api("GET", "/units/{id}/dashboard", welDash, targetUnit, s.apiDashboard),
		api("GET", "/visit-plans", welView, targetNone, s.apiListVisitPlans),
		api("POST", "/visit-plans", welPlan, targetUnitField, s.apiCreateVisitPlan),
		api("PATCH", "/visit-plans/{id}", welPlan, targetVisitPlan, s.apiUpdateVisitPlan),
		api("GET", "/notifications", self, targetNone, s.apiListNotifications),
		api("POST", "/notifications/read", self, targetNone, s.apiMarkRead),
		api("GET", "/me/email", self, targetNone, s.apiGetEmail),
		api("PUT", "/me/email", self, targetNone, s.apiSetEmail),
		api("GET", "/directives", dirView, targetNone, s.apiListDirectives),
		api("POST", "/directives", dirIssue, targetIssuerField, s.apiIssueDirective),
		api("GET", "/directives/{id}", dirView, targetDirective, s.apiGetDirective),
		api("POST", "/directives/{id}/amend", dirIssue, targetDirective, s.apiAmendDirective),
		api("POST", "/directives/{id}/withdraw", dirIssue, targetDirective, s.apiWithdrawDirective),
		api("GET", "/directives/{id}/rollup", dirView, targetDirective, s.apiRollup),
		api("GET", "/directives/{id}/reports", dirView, targetDirective, s.apiDirectiveReports),
		api("GET", "/assignments/{id}/evidence", dirRespond, targetAssignment, s.apiEvidence),
		api("POST", "/assignments/{id}/acknowledge", dirRespond, targetAssignment, s.apiAcknowledge),
		api("POST", "/assignments/{id}/reports", dirRespond, targetAssignment, s.apiSubmitReport),
		api("POST", "/assignments/{id}/review", dirReview, targetReview, s.apiReview),
		api("GET", "/attachments/{id}", dirView, targetAttachment, s.downloadAttachment),
		api("GET", "/households/{id}/free-slots", callView, targetHousehold, s.apiFreeSlots),
		api("GET", "/households/{id}/calls", callView, targetHousehold, s.apiHouseholdCalls),
		api("GET", "/households/{id}/call-settings", callView, targetHousehold, s.apiGetCallSettings),
		api("PUT", "/households/{id}/call-settings", callBook, targetHousehold, s.apiSetCallSettings),
		api("GET", "/calls", callView, targetNone, s.apiListCalls),
		api("POST", "/calls", callBook, targetHouseholdField, s.apiBookCall),
		api("GET", "/calls/{id}", callView, targetCall, s.apiGetCall),
		api("POST", "/calls/{id}/cancel", callBook, targetCall, s.apiCancelCall),
		api("POST", "/calls/{id}/reschedule", callBook, targetCall, s.apiRescheduleCall),
		api("POST", "/calls/{id}/outcome", callBook, targetCall, s.apiCallOutcome),
		api("POST", "/units/{id}/call-cancellations", callPlan, targetUnit, s.apiCancelOfficeCalls),
		api("GET", "/units/{id}/call-days/{day}", callView, targetUnit, s.apiOfficeDay),
		api("GET", "/users/{id}/call-weeks/{week}", callView, targetUser, s.apiOfficerWeek),
		api("GET", "/call-plans", callView, targetNone, s.apiListCallPlans),
		api("POST", "/call-plans", callPlan, targetUnitField, s.apiPlanCallWeek),
		api("GET", "/call-plans/{id}", callView, targetCallPlan, s.apiGetCallPlan),
		api("POST", "/call-plans/{id}/book", callPlan, targetCallPlan, s.apiBookCallPlan),
		api("GET", "/units/{id}/call-roster", callConfig, targetUnit, s.apiGetRoster),
		api("PUT", "/units/{id}/call-office", callConfig, targetUnit, s.apiSetCallOffice),
		api("PUT", "/units/{id}/call-roster", callConfig, targetUnit, s.apiSetRoster),
		api("POST", "/units/{id}/roster-exceptions", callConfig, targetUnit, s.apiAddRosterException),
		api("DELETE", "/roster-exceptions/{id}", callConfig, targetRosterException, s.apiDeleteRosterException),
		api("GET", "/calendar-tokens", self, targetNone, s.apiListCalendarTokens),
		api("POST", "/calendar-tokens", callView, targetNone, s.apiCreateCalendarToken),
		api("DELETE", "/calendar-tokens/{id}", self, targetOwnCalendarToken, s.apiRevokeCalendarToken),
		api("GET", "/departures", depView, targetNone, s.apiListDepartures),
		api("POST", "/departures", depRecord, targetHouseholdField, s.apiCreateDeparture),
		api("GET", "/departures/{id}", depView, targetDeparture, s.apiGetDeparture),
		api("POST", "/departures/{id}/withdraw", depRecord, targetDeparture, s.apiWithdrawDeparture),
		api("POST", "/departures/{id}/departed", depRecord, targetDeparture, s.apiMarkDeparted),
		api("POST", "/departures/{id}/missed", depRecord, targetDeparture, s.apiMarkMissed),
		api("GET", "/departures/{id}/resident-codes", depView, targetDeparture, s.apiListResidentCodes),
		api("POST", "/departures/{id}/resident-codes", depRecord, targetDeparture, s.apiCreateResidentCode),
		api("DELETE", "/resident-codes/{id}", depRecord, targetResidentCode, s.apiRevokeResidentCode),
		api("GET", "/departure-policies", depView, targetNone, s.apiListPolicies),
		api("POST", "/departure-policies", depPolicy, targetNone, s.apiCreatePolicy),
		api("GET", "/departure-policies/{id}", depView, targetDeparturePolicy, s.apiGetPolicy),
		api("PUT", "/departure-policies/{id}", depPolicy, targetDeparturePolicy, s.apiUpdatePolicy),
		api("GET", "/departure-policies/{id}/preview", depPolicy, targetDeparturePolicy, s.apiPreviewPolicy),
		api("POST", "/departure-policies/{id}/adopt", depPolicy, targetDeparturePolicy, s.apiAdoptPolicy),
		api("GET", "/crossings", depView, targetNone, s.apiListCrossings),
		api("POST", "/crossings", depAlloc, targetNone, s.apiCreateCrossing),
		api("GET", "/crossings/{id}", depView, targetCrossing, s.apiGetCrossing),
		api("PUT", "/crossings/{id}", depAlloc, targetCrossing, s.apiUpdateCrossing),
		api("PUT", "/crossings/{id}/days/{day}", depAlloc, targetCrossing, s.apiSetCrossingDay),
		api("POST", "/crossings/{id}/allocate", depAlloc, targetCrossing, s.apiAllocate),
		api("GET", "/crossings/{id}/forecast", depView, targetCrossing, s.apiForecast),
		api("GET", "/crossings/{id}/days/{day}", depView, targetCrossing, s.apiDaySheet),
		public("POST", "/api/v1/resident-lookup", true, s.apiResidentLookup),
	}
}

// routeHandler wraps a route's handler with what every route needs: its
// pattern for the log and metrics, and the caller's identity. Signing in is
// checked here; what the caller may do is left to the service.
func (s *Server) routeHandler(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := requestInfoFrom(r.Context())
		info.route = rt.pattern
		if !rt.public {
			var a *kinbridge.Actor
			var err error
			if rt.api {
				a, err = s.authenticateToken(r)
			} else {
				a, err = s.authenticateSession(w, r)
			}
			if err != nil {
				if rt.api {
					s.apiError(w, r, err)
				} else {
					s.htmlError(w, r, err)
				}
				return
			}
			info.userID = a.UserID
			r = r.WithContext(kinbridge.NewContextWithActor(r.Context(), a))
		}
		rt.handler(w, r)
	})
}

// routeOfPattern strips the method from a ServeMux pattern.
func routeOfPattern(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		return pattern[i+1:]
	}
	return pattern
}

func isAPIPath(path string) bool { return strings.HasPrefix(path, "/api/") }

// notFound answers every path no route matches, as a page or as JSON.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	err := &kinbridge.Error{Code: kinbridge.ENOTFOUND, Message: "Page not found.", Key: "error.page_not_found"}
	if isAPIPath(r.URL.Path) {
		s.apiError(w, r, err)
		return
	}
	s.htmlError(w, r, err)
}
