// Registers the built-in operators and the preview sink.
import './preview.ts';
