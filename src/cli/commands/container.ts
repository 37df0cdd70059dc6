import { managementCommand } from '../management.js';

export default managementCommand('container', 'Manage containers');
