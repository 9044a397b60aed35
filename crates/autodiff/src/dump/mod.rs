//! Graph dumps: plain text and Graphviz DOT.
