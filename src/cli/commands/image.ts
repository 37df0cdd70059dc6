import { managementCommand } from '../management.js';

export default managementCommand('image', 'Manage images');
