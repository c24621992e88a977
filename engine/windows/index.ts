// Registers the window operators.
import './fixed.ts';
import './session.ts';
