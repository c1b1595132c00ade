package main

import (
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The conditions Cairn writes per outcome (src/domain/conditions.ts):
//
//	committed      Ready True Committed    Reconciling, Stalled removed     observedGeneration = generation
//	terminal       Ready False <reason>    Stalled True, Reconciling removed observedGeneration = generation
//	transient      Ready False <reason>    Reconciling True, Stalled removed observedGeneration unchanged
//	driftReported  Ready False DriftReported, Stalled True                  observedGeneration = generation
//
// lastTransitionTime moves only when a condition's status changes; conditions are ordered Ready,
// Reconciling, Stalled, then others by type.

const maxMessage = 1024

func nextStatus(current ConfigEntryStatus, out outcome, generation int64, now time.Time) ConfigEntryStatus {
	next := current
	message := truncate(out.message)
	var set []metav1.Condition
	var remove []string
	switch out.kind {
	case "committed":
		message = truncate("committed to " + out.key + " at revision " + out.revision)
		set, remove = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Committed", Message: message}}, []string{"Reconciling", "Stalled"}
	case "terminal", "driftReported":
		set, remove = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: out.reason, Message: message}, {Type: "Stalled", Status: metav1.ConditionTrue, Reason: out.reason, Message: message}}, []string{"Reconciling"}
	case "transient":
		set, remove = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: out.reason, Message: message}, {Type: "Reconciling", Status: metav1.ConditionTrue, Reason: out.reason, Message: message}}, []string{"Stalled"}
	}
	byType := map[string]metav1.Condition{}
	for _, c := range current.Conditions {
		byType[c.Type] = c
	}
	for _, t := range remove {
		delete(byType, t)
	}
	stamp := metav1.NewTime(now.UTC().Truncate(time.Second))
	for _, c := range set {
		c.ObservedGeneration = generation
		c.LastTransitionTime = stamp
		if old, ok := byType[c.Type]; ok && old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
		byType[c.Type] = c
	}
	next.Conditions = make([]metav1.Condition, 0, len(byType))
	for _, c := range byType {
		next.Conditions = append(next.Conditions, c)
	}
	sort.Slice(next.Conditions, func(i, j int) bool {
		a, b := rank(next.Conditions[i].Type), rank(next.Conditions[j].Type)
		return a < b || (a == b && next.Conditions[i].Type < next.Conditions[j].Type)
	})
	if out.kind != "transient" {
		next.ObservedGeneration = generation
	}
	if out.kind == "committed" {
		next.Key, next.Revision, next.DataHash, next.Schema = out.key, out.revision, out.dataHash, schemaID
	}
	return next
}

func rank(conditionType string) int {
	switch conditionType {
	case "Ready":
		return 0
	case "Reconciling":
		return 1
	case "Stalled":
		return 2
	}
	return 3
}

func findCondition(conditions []metav1.Condition, conditionType string) *metav1.Condition {
	for i := range conditions {
		if conditions[i].Type == conditionType {
			return &conditions[i]
		}
	}
	return nil
}

func truncate(message string) string {
	if len(message) <= maxMessage {
		return message
	}
	runes := []rune(message)
	out := ""
	for _, r := range runes {
		if len(out)+len(string(r)) > maxMessage-3 {
			break
		}
		out += string(r)
	}
	return out + "..."
}
