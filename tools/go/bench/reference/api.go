package main

import (
	"bytes"
	"encoding/json"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// The ConfigEntry API (crds/cairn.dev_configentries.yaml), typed as a Go team would write it; the
// deep copies are what controller-gen would generate.

var groupVersion = schema.GroupVersion{Group: "cairn.dev", Version: "v1alpha1"}

const finalizer = "cairn.dev/finalizer"

type ConfigEntry struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ConfigEntrySpec   `json:"spec"`
	Status            ConfigEntryStatus `json:"status,omitempty"`
}

type ConfigEntrySpec struct {
	Schema         string          `json:"schema"`
	Key            string          `json:"key,omitempty"`
	Data           json.RawMessage `json:"data"`
	DeletionPolicy string          `json:"deletionPolicy,omitempty"`
	DriftPolicy    string          `json:"driftPolicy,omitempty"`
}

type ConfigEntryStatus struct {
	ObservedGeneration int64              `json:"observedGeneration,omitempty"`
	Conditions         []metav1.Condition `json:"conditions,omitempty"`
	Key                string             `json:"key,omitempty"`
	Revision           string             `json:"revision,omitempty"`
	DataHash           string             `json:"dataHash,omitempty"`
	Schema             string             `json:"schema,omitempty"`
}

type ConfigEntryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ConfigEntry `json:"items"`
}

func (in *ConfigEntry) DeepCopyInto(out *ConfigEntry) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec.Data = bytes.Clone(in.Spec.Data)
	out.Status.Conditions = slices.Clone(in.Status.Conditions)
}

func (in *ConfigEntry) DeepCopy() *ConfigEntry {
	out := new(ConfigEntry)
	in.DeepCopyInto(out)
	return out
}

func (in *ConfigEntry) DeepCopyObject() runtime.Object { return in.DeepCopy() }

func (in *ConfigEntryList) DeepCopyObject() runtime.Object {
	out := &ConfigEntryList{TypeMeta: in.TypeMeta}
	in.ListMeta.DeepCopyInto(&out.ListMeta)
	out.Items = make([]ConfigEntry, len(in.Items))
	for i := range in.Items {
		in.Items[i].DeepCopyInto(&out.Items[i])
	}
	return out
}

func addToScheme(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(groupVersion, &ConfigEntry{}, &ConfigEntryList{})
	metav1.AddToGroupVersion(scheme, groupVersion)
	return nil
}

func metav1ObjectMeta(name types.NamespacedName) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: name.Namespace, Name: name.Name}
}
