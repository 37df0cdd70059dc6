import { managementCommand } from '../management.js';

export default managementCommand('volume', 'Manage volumes');
