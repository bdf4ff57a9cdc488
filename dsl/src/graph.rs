//! Pictures of flows: Mermaid and Graphviz DOT, with lanes as subgraphs, decisions as diamonds
//! and labels in the analyst's language.
