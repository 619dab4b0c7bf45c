// Package gadget is another service of the layering checker's test tree.
package gadget

// New builds the gadget service.
func New() {}
